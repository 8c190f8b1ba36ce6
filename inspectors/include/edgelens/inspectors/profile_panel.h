// Profile panel: the per-node latency table of the last profile run (Run > Profile), sortable by
// any column, in the same figures as `edgelens bench --op-profile`; a click goes to the node (a
// delegate partition row goes to its first node and highlights the rest). A second table sums the
// time by op type.
#pragma once

#include <QWidget>

#include <memory>
#include <string>
#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/profiler.h"

class QLabel;
class QTableWidget;

namespace edgelens::inspect {

// One profile run of a model as the GUI keeps it (Qt-free data).
struct ProfileData {
  std::shared_ptr<const Model> model;
  std::string delegate;                     // "none (reference kernels)", ...
  int64_t invokes = 0;                      // profiled runs
  runtime::SeriesStats inference;           // whole-inference times of the profiled runs
  std::vector<runtime::ProfiledNode> rows;  // graph-0 rows first (run order), then subgraph rows
  std::vector<double> node_avg_ms;          // graph 0, by node id; -1 = did not run
};

class ProfilePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ProfilePanel(SessionContext& context, QWidget* parent = nullptr);

  // Shows a profile (null clears). Kept until another profile or the model is closed/switched.
  void setProfile(std::shared_ptr<const ProfileData> profile);
  std::shared_ptr<const ProfileData> profile() const { return profile_; }

  QTableWidget* nodeTable() const { return nodes_; }
  QTableWidget* typeTable() const { return types_; }
  QString summaryText() const;

  // Column indices of nodeTable().
  enum Column { ColNode, ColOp, ColAvg, ColPercent, ColFirst, ColMin, ColMax, ColCalls, ColName };

 private:
  void refill();
  void onCellClicked(int row);

  SessionContext& context_;
  std::shared_ptr<const ProfileData> profile_;
  QLabel* summary_;
  QTableWidget* nodes_;
  QTableWidget* types_;
};

}  // namespace edgelens::inspect
