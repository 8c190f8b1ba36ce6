#include "edgelens/model_io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "edgelens/model_io/error.h"

namespace edgelens {

namespace {
// Closes the descriptor on every path out of open().
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (guard.fd < 0) throw ModelError(path, "", std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0)
    throw ModelError(path, "", std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw ModelError(path, "", "is a directory, not a model file");
  if (!S_ISREG(st.st_mode)) throw ModelError(path, "", "is not a regular file");
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<std::size_t>(st.st_size);
  if (file->size_ == 0) return file;  // empty file: readers report it as such
  void* addr = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, guard.fd, 0);
  if (addr == MAP_FAILED)
    throw ModelError(path, "", std::string("cannot map: ") + std::strerror(errno));
  file->data_ = static_cast<const std::byte*>(addr);
  file->mapped_ = true;
  return file;
}

std::shared_ptr<const MappedFile> MappedFile::from_bytes(std::span<const std::byte> bytes,
                                                         std::string name) {
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = std::move(name);
  file->size_ = bytes.size();
  // Over-allocate to 16-byte alignment so flatbuffer scalars are aligned like in a mapping.
  file->owned_ = std::make_unique<std::byte[]>(bytes.size() + 16);
  auto base = reinterpret_cast<std::uintptr_t>(file->owned_.get());
  std::byte* aligned = file->owned_.get() + ((16 - (base % 16)) % 16);
  if (!bytes.empty()) std::memcpy(aligned, bytes.data(), bytes.size());
  file->data_ = aligned;
  return file;
}

MappedFile::~MappedFile() {
  if (mapped_ && data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

}  // namespace edgelens
