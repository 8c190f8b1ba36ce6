// Model panel: what `edgelens info` prints (format, producer, graphs, inputs/outputs, op histogram,
// parameters, delegates, signatures, metadata, warnings), from the same model_summary code.
#pragma once

#include <QWidget>

class QPlainTextEdit;

namespace edgelens::inspect {

class SessionContext;

class ModelPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModelPanel(SessionContext& context, QWidget* parent = nullptr);
  QString text() const;

 private:
  void refresh();
  SessionContext& context_;
  QPlainTextEdit* text_;
};

}  // namespace edgelens::inspect
