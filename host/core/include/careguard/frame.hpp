#pragma once
// Native messaging framing: a 32-bit length in native byte order, then that many bytes of JSON.
// Reads are bounded and buffered (64 KiB at a time, never byte by byte); an oversize body is
// read and thrown away in chunks, never allocated.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

inline constexpr std::uint32_t kMaxIncomingFrame = 8U * 1024U * 1024U;
/// Chrome never sends more than this; a larger prefix means the stream is not frames at all.
inline constexpr std::uint32_t kMaxBrowserFrame = 64U * 1024U * 1024U;
inline constexpr std::uint32_t kMaxOutgoingFrame = 1024U * 1024U;

class FrameReader {
 public:
  enum class Status {
    Frame,        // body holds one frame
    EndOfStream,  // stdin closed (at a boundary or inside a frame): exit
    TooLarge,     // body above the limit, read and discarded
    Empty,        // length prefix 0
    Corrupt,      // impossible length prefix: the stream cannot be trusted
    IoError,      // read() failed
  };
  struct Result {
    Status status = Status::EndOfStream;
    std::string body;
    std::uint64_t length = 0;
  };

  explicit FrameReader(int fd, std::uint32_t max_frame = kMaxIncomingFrame);

  [[nodiscard]] Result next();

 private:
  /// Reads more bytes into the buffer; false at end of stream or on error.
  bool fill();
  /// Takes `count` bytes from the stream into `out` (or discards them when out is null).
  bool take(std::size_t count, std::string* out);

  int fd_;
  std::uint32_t max_frame_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool io_error_ = false;
};

class FrameWriter {
 public:
  explicit FrameWriter(int fd);
  /// Writes one frame whole; false if the peer has gone. Never writes a partial frame on purpose.
  bool write(std::string_view body);

 private:
  int fd_;
};

}  // namespace careguard
