#include "edgelens/inspectors/model_panel.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/model_io/model_summary.h"

namespace edgelens::inspect {

ModelPanel::ModelPanel(SessionContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
  setObjectName("ModelPanel");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  text_ = new QPlainTextEdit(this);
  text_->setObjectName("modelText");
  text_->setReadOnly(true);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  layout->addWidget(text_);
  connect(&context_, &SessionContext::modelChanged, this, &ModelPanel::refresh);
  refresh();
}

QString ModelPanel::text() const {
  return text_->toPlainText();
}

void ModelPanel::refresh() {
  const Model* model = context_.model();
  if (!model) {
    text_->setPlainText(
        tr("No model open. File › Open…, drop a .tflite or .pte here, or pass it on "
           "the command line."));
    return;
  }
  try {
    text_->setPlainText(QString::fromStdString(to_text(summarize(*model))));
  } catch (const std::exception& e) {
    text_->setPlainText(tr("Could not summarise the model: %1").arg(QString::fromUtf8(e.what())));
  }
}

}  // namespace edgelens::inspect
