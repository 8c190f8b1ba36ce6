#include "run_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <string>

#include "edgelens/inspectors/tensor_values.h"

namespace edgelens::gui {

RunDialog::RunDialog(const Graph& graph, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Run model"));
  auto* form = new QFormLayout;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const int32_t id = graph.inputs[i];
    QString label = tr("input %1").arg(i);
    if (id >= 0 && static_cast<size_t>(id) < graph.tensors.size()) {
      const Tensor& t = graph.tensors[static_cast<size_t>(id)];
      label = QString("%1 %2\n%3 %4")
                  .arg(label, QString::fromStdString(t.name),
                       QString::fromUtf8(dtype_name(t.dtype).data()),
                       QString::fromStdString(inspect::shape_text(t.shape)));
    }
    Row row{new QComboBox(this), new QSpinBox(this), new QLineEdit(this)};
    row.source->addItems({tr("Ramp"), tr("Random"), tr(".npy file"), tr("Image file…")});
    row.seed->setRange(0, 1 << 30);
    row.seed->setPrefix(tr("seed "));
    row.path->setPlaceholderText(tr("file.npy"));
    auto* browse = new QToolButton(this);
    browse->setText("…");
    auto* line = new QHBoxLayout;
    line->addWidget(row.source);
    line->addWidget(row.seed);
    line->addWidget(row.path, 1);
    line->addWidget(browse);
    const auto sync = [row, browse](int source) {
      row.seed->setEnabled(source == Random);
      row.path->setEnabled(source == File || source == Image);
      browse->setEnabled(source == File || source == Image);
      row.path->setPlaceholderText(source == Image ? tr("photo.png") : tr("file.npy"));
    };
    sync(Ramp);
    connect(row.source, &QComboBox::currentIndexChanged, this, sync);
    connect(browse, &QToolButton::clicked, this, [this, row] {
      const bool image = row.source->currentIndex() == Image;
      const QString path = QFileDialog::getOpenFileName(
          this, image ? tr("Input image") : tr("Input values"), {},
          image ? tr("Images (*.png *.jpg *.jpeg *.bmp)") : tr("NumPy arrays (*.npy)"));
      if (!path.isEmpty()) row.path->setText(path);
    });
    form->addRow(label, line);
    rows_.push_back(row);
  }
  // Image inputs: how a picture becomes the tensor (the CLI's --image-resize / --image-range).
  image_resize_ = new QComboBox(this);
  image_resize_->addItems({"bilinear", "nearest", "none"});
  image_range_ = new QComboBox(this);
  image_range_->addItems({"auto", "0,1", "-1,1", "0,255"});
  image_range_->setToolTip(
      tr("Pixel 0..255 maps to this range; auto: 0,1 for float inputs, the "
         "whole quantized range for quantized inputs"));
  if (!rows_.empty()) {
    form->addRow(tr("Image resize"), image_resize_);
    form->addRow(tr("Image range"), image_range_);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Run"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  if (rows_.empty()) layout->addWidget(new QLabel(tr("The main graph has no inputs."), this));
  layout->addLayout(form);
  layout->addWidget(buttons);
}

void RunDialog::setSource(int input, Source source, const QString& path_or_empty, uint64_t seed) {
  if (input < 0 || static_cast<size_t>(input) >= rows_.size()) return;
  const Row& row = rows_[static_cast<size_t>(input)];
  row.source->setCurrentIndex(source);
  row.seed->setValue(static_cast<int>(seed));
  row.path->setText(path_or_empty);
}

void RunDialog::setImageOptions(const QString& resize, const QString& range) {
  image_resize_->setCurrentText(resize);
  image_range_->setCurrentText(range);
}

std::vector<runtime::InputSpec> RunDialog::specs() const {
  std::vector<runtime::InputSpec> out;
  for (size_t i = 0; i < rows_.size(); ++i) {
    runtime::InputSpec spec;
    spec.target = std::to_string(i);
    switch (rows_[i].source->currentIndex()) {
      case Random:
        spec.kind = runtime::InputSpec::Kind::Random;
        spec.seed = static_cast<uint64_t>(rows_[i].seed->value());
        break;
      case File:
        spec.kind = runtime::InputSpec::Kind::File;
        spec.path = rows_[i].path->text().toStdString();
        break;
      case Image:
        spec.kind = runtime::InputSpec::Kind::Image;
        spec.path = rows_[i].path->text().toStdString();
        spec.image.resize = runtime::parse_image_resize(image_resize_->currentText().toStdString());
        runtime::set_image_range(spec.image, image_range_->currentText().toStdString());
        break;
      default:
        spec.kind = runtime::InputSpec::Kind::Ramp;
        break;
    }
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace edgelens::gui
