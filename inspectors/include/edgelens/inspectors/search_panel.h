// Search panel (Ctrl+F): a regular expression over node names (output tensors), op types, tensor
// names, namespaces and attribute values in every graph of the current model; the result list,
// next/previous (F3 / Shift+F3) and highlights on the canvas through the session context.
#pragma once

#include <QWidget>

#include <vector>

#include "edgelens/inspectors/navigation.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace edgelens::inspect {

class SearchPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SearchPanel(SessionContext& context, QWidget* parent = nullptr);

  void setQuery(const QString& pattern);  // runs the search at once
  const std::vector<SearchHit>& hits() const { return hits_; }
  int currentHit() const { return current_; }
  void next();
  void previous();
  void focusQuery();  // Ctrl+F

 private:
  void run();
  void goToHit(int index);

  SessionContext& context_;
  QLineEdit* query_;
  QCheckBox* regex_;
  QCheckBox* case_sensitive_;
  QLabel* status_;
  QListWidget* results_;
  std::vector<SearchHit> hits_;
  int current_ = -1;
};

// Bookmarks of the current model (Ctrl+B toggles, Ctrl+1…9 jump); click a row to go there.
class BookmarksPanel : public QWidget {
  Q_OBJECT
 public:
  explicit BookmarksPanel(SessionContext& context, QWidget* parent = nullptr);
  QListWidget* list() const { return list_; }

 private:
  void refresh();
  SessionContext& context_;
  QListWidget* list_;
};

}  // namespace edgelens::inspect
