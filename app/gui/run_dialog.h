// The input-source dialog of Run: for each input of the main graph, the ramp (the reference
// inputs' rule), pseudo-random values with a seed, an .npy file, or an image file (PNG/JPEG/BMP,
// resized and normalised as the dialog's image options say; runtime/image_input.h).
#pragma once

#include <QDialog>

#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/inputs.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace edgelens::gui {

class RunDialog : public QDialog {
  Q_OBJECT
 public:
  explicit RunDialog(const Graph& graph, QWidget* parent = nullptr);

  enum Source { Ramp = 0, Random = 1, File = 2, Image = 3 };
  void setSource(int input, Source source, const QString& path_or_empty = {}, uint64_t seed = 0);
  // Image options: resize "bilinear"|"nearest"|"none", range "auto"|"0,1"|"-1,1"|"0,255".
  void setImageOptions(const QString& resize, const QString& range);
  // One spec per input, targeted by index.
  std::vector<runtime::InputSpec> specs() const;

 private:
  struct Row {
    QComboBox* source;
    QSpinBox* seed;
    QLineEdit* path;
  };
  std::vector<Row> rows_;
  QComboBox* image_resize_ = nullptr;
  QComboBox* image_range_ = nullptr;
};

}  // namespace edgelens::gui
