#include "app_icon.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace edgelens::gui {

QIcon app_icon() {
  const QString dir = QCoreApplication::applicationDirPath();
  // build/<dir>/app/edgelens-gui -> build/<dir>/resources/icons (copied there by resources/),
  // <prefix>/bin/edgelens-gui -> <prefix>/share/icons/hicolor/scalable/apps (cmake --install).
  for (const QString& candidate : {dir + "/../resources/icons/edgelens.svg",
                                   dir + "/../share/icons/hicolor/scalable/apps/edgelens.svg"})
    if (QFileInfo::exists(candidate)) return QIcon(QDir::cleanPath(candidate));
  return QIcon::fromTheme("edgelens");
}

}  // namespace edgelens::gui
