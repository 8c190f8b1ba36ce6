#include "canvas_theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace edgelens::gui {

CanvasColors canvas_colors(Theme theme) {
  if (theme == Theme::Dark)
    return {.background = QColor(0x1e, 0x20, 0x24),
            .node_fill = QColor(0x2d, 0x3a, 0x4a),
            .node_border = QColor(0x6d, 0x8f, 0xb5),
            .node_text = QColor(0xe8, 0xee, 0xf4),
            .node_subtext = QColor(0xa8, 0xb8, 0xc8),
            .group_fill = QColor(0x3a, 0x33, 0x24),
            .group_border = QColor(0xc0, 0x9a, 0x50),
            .group_text = QColor(0xf0, 0xe0, 0xc0),
            .frame_fill = QColor(0x26, 0x29, 0x2f),
            .frame_border = QColor(0x55, 0x5c, 0x66),
            .frame_text = QColor(0xb0, 0xb8, 0xc0),
            .io_fill = QColor(0x2a, 0x45, 0x35),
            .edge = QColor(0x80, 0x88, 0x94),
            .edge_label = QColor(0x9a, 0xa4, 0xb0),
            .selection = QColor(0xff, 0xa5, 0x2b),
            .highlight = QColor(0xe0, 0x50, 0xe0),
            .bookmark = QColor(0x4c, 0xc0, 0xff)};
  return {.background = QColor(0xfa, 0xfa, 0xfa),
          .node_fill = QColor(0xe3, 0xee, 0xfa),
          .node_border = QColor(0x4a, 0x74, 0xa8),
          .node_text = QColor(0x10, 0x18, 0x20),
          .node_subtext = QColor(0x45, 0x55, 0x65),
          .group_fill = QColor(0xfb, 0xef, 0xd5),
          .group_border = QColor(0xb0, 0x80, 0x30),
          .group_text = QColor(0x40, 0x30, 0x10),
          .frame_fill = QColor(0xf1, 0xf2, 0xf4),
          .frame_border = QColor(0xb8, 0xbe, 0xc6),
          .frame_text = QColor(0x50, 0x58, 0x60),
          .io_fill = QColor(0xdc, 0xf2, 0xe2),
          .edge = QColor(0x70, 0x78, 0x80),
          .edge_label = QColor(0x60, 0x68, 0x70),
          .selection = QColor(0xff, 0x8c, 0x00),
          .highlight = QColor(0xc0, 0x20, 0xc0),
          .bookmark = QColor(0x00, 0x80, 0xe0)};
}

void apply_theme(QApplication& app, Theme theme) {
  app.setStyle(QStyleFactory::create("Fusion"));
  if (theme == Theme::Light) {
    app.setPalette(app.style()->standardPalette());
    return;
  }
  QPalette p;
  const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x20, 0x24), text(0xe0, 0xe4, 0xe8);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, window);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x88, 0x90));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Link, QColor(0x4c, 0xc0, 0xff));
  p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xc0));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x70, 0x70));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x70, 0x70, 0x70));
  app.setPalette(p);
}

Theme theme_from_name(const QString& name) {
  return name.compare("dark", Qt::CaseInsensitive) == 0 ? Theme::Dark : Theme::Light;
}

QString theme_name(Theme theme) {
  return theme == Theme::Dark ? "dark" : "light";
}

}  // namespace edgelens::gui
