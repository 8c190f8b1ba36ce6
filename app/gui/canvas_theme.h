// Light and dark themes: the application palette and the canvas colours that go with it.
#pragma once

#include <QColor>
#include <QString>

class QApplication;

namespace edgelens::gui {

enum class Theme { Light, Dark };

struct CanvasColors {
  QColor background, node_fill, node_border, node_text, node_subtext;
  QColor group_fill, group_border, group_text, frame_fill, frame_border, frame_text;
  QColor io_fill, edge, edge_label, selection, highlight, bookmark;
};

CanvasColors canvas_colors(Theme theme);
void apply_theme(QApplication& app, Theme theme);
Theme theme_from_name(const QString& name);  // "dark" or anything else = light
QString theme_name(Theme theme);

}  // namespace edgelens::gui
