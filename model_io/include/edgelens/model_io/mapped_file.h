// Read-only memory mapping of a model file. The mapping lives as long as the object.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace edgelens {

class MappedFile {
 public:
  // Maps `path` read-only. Throws ModelError naming the file when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  // Wraps bytes already in memory (tests, fuzzers): the buffer is copied once.
  static std::shared_ptr<const MappedFile> from_bytes(std::span<const std::byte> bytes,
                                                      std::string name = "<memory>");
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;       // true: munmap on destruction
  std::unique_ptr<std::byte[]> owned_;  // from_bytes storage
  std::string path_;
};

}  // namespace edgelens
