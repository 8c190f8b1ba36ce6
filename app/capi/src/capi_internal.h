// Shared by libedgelens' sources: the model handle, the error channel and the exception guard.
#pragma once

#include <filesystem>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "edgelens.h"
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/model.h"
#include "edgelens/runtime/interpreter.h"

// The opaque handle of the C API.
struct edgelens_model {
  std::unique_ptr<edgelens::Model> model;
};

namespace edgelens::capi {

void set_last_error(std::string_view message) noexcept;
// A malloc'd NUL-terminated copy (freed by edgelens_free).
char* copy_string(std::string_view s);
std::string dump_json(const nlohmann::ordered_json& j);

// Argument checks inside guard(): throw what guard() maps to EDGELENS_ERR_INVALID_ARGUMENT.
inline void require(bool ok, std::string_view message) {
  if (!ok) throw std::invalid_argument(std::string(message));
}

// Thrown by run_buffers when an output buffer is too small (shape already reported).
struct BufferTooSmall : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `body`; turns every exception into a status and the thread's last error message.
template <class Body>
edgelens_status guard(Body&& body) noexcept {
  try {
    body();
    set_last_error({});
    return EDGELENS_OK;
  } catch (const runtime::UnsupportedModel& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_UNSUPPORTED;
  } catch (const ModelError& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_BAD_MODEL;
  } catch (const std::invalid_argument& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_INVALID_ARGUMENT;
  } catch (const std::filesystem::filesystem_error& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_IO;
  } catch (const BufferTooSmall& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_BUFFER_TOO_SMALL;
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return EDGELENS_ERR_INTERNAL;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return EDGELENS_ERR_INTERNAL;
  } catch (...) {
    set_last_error("unknown error");
    return EDGELENS_ERR_INTERNAL;
  }
}

}  // namespace edgelens::capi
