// The application icon: resources/icons/edgelens.svg from the build tree or the install prefix.
#pragma once

#include <QIcon>

namespace edgelens::gui {
QIcon app_icon();
}
