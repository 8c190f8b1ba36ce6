// The one Graphviz context of the process and the mutex that serializes every use of gvc/cgraph
// (both keep global state and are not thread-safe).
#pragma once

#include <graphviz/gvc.h>

#include <mutex>

namespace edgelens::layout::detail {

std::mutex& graphviz_mutex();
GVC_t* graphviz_context();  // call with graphviz_mutex() held

}  // namespace edgelens::layout::detail
