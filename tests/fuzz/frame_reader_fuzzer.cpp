// FrameReader over arbitrary bytes: the native messaging stream the browser (or anything that
// starts the host) writes to its stdin. Input: one byte choosing the frame limit, then the stream.
// Every result is checked against a plain walk of the same bytes: the length prefix read, the body
// given back byte for byte, oversize bodies skipped, impossible lengths reported as corrupt, and
// end of stream (inside a header or a body) reported as such, and again on every later call.

#include "careguard/frame.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <sys/mman.h>
#include <unistd.h>

namespace {

using careguard::FrameReader;
using Status = FrameReader::Status;

// Small limits reach the oversize path with small inputs; the real ones check the host's settings.
// The reader reserves up to the limit for a body, so no limit above kMaxBrowserFrame is tried.
constexpr std::array<std::uint32_t, 5> kLimits = {1U, 16U, 4096U, careguard::kMaxIncomingFrame,
                                                  careguard::kMaxBrowserFrame};

/// The stream as a file descriptor: an in-memory file, so reads are deterministic and nothing
/// touches the disk.
class MemoryStream {
 public:
  explicit MemoryStream(std::string_view bytes) : fd_(memfd_create("careguard-fuzz-frames", MFD_CLOEXEC)) {
    CAREGUARD_FUZZ_CHECK(fd_ >= 0, "memfd_create failed");
    std::size_t written = 0;
    while (written < bytes.size()) {
      const auto put = ::write(fd_, bytes.data() + written, bytes.size() - written);
      CAREGUARD_FUZZ_CHECK(put > 0, "writing the in-memory stream failed");
      written += static_cast<std::size_t>(put);
    }
    CAREGUARD_FUZZ_CHECK(::lseek(fd_, 0, SEEK_SET) == 0, "rewinding the in-memory stream failed");
  }
  ~MemoryStream() { ::close(fd_); }
  MemoryStream(const MemoryStream&) = delete;
  MemoryStream& operator=(const MemoryStream&) = delete;
  MemoryStream(MemoryStream&&) = delete;
  MemoryStream& operator=(MemoryStream&&) = delete;

  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

void check_end_of_stream(const FrameReader::Result& result) {
  CAREGUARD_FUZZ_CHECK(result.status == Status::EndOfStream, "a short stream must end with EndOfStream");
  CAREGUARD_FUZZ_CHECK(result.body.empty(), "no partial body after end of stream");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint32_t limit = kLimits[data[0] % kLimits.size()];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  MemoryStream memory(stream);
  FrameReader reader(memory.fd(), limit);
  std::size_t offset = 0;  // where the reference walk is in the stream
  for (;;) {
    const FrameReader::Result result = reader.next();
    const std::size_t remaining = stream.size() - offset;
    if (remaining < 4) {
      check_end_of_stream(result);
      break;
    }
    std::uint32_t length = 0;
    std::memcpy(&length, stream.data() + offset, sizeof length);
    CAREGUARD_FUZZ_CHECK(result.length == length, "the reported length is the prefix's");
    const std::size_t after_header = remaining - 4;
    if (length == 0) {
      CAREGUARD_FUZZ_CHECK(result.status == Status::Empty, "a zero prefix is an empty frame");
      offset += 4;
      continue;
    }
    if (length > careguard::kMaxBrowserFrame) {
      // No browser sends this: the host stops reading rather than trust the rest of the stream.
      CAREGUARD_FUZZ_CHECK(result.status == Status::Corrupt, "an impossible prefix is corrupt");
      CAREGUARD_FUZZ_CHECK(result.body.empty(), "a corrupt frame has no body");
      return 0;
    }
    if (after_header < length) {
      check_end_of_stream(result);
      break;
    }
    if (length > limit) {
      CAREGUARD_FUZZ_CHECK(result.status == Status::TooLarge, "a body over the limit is too large");
      CAREGUARD_FUZZ_CHECK(result.body.empty(), "an oversize body is discarded, never kept");
    } else {
      CAREGUARD_FUZZ_CHECK(result.status == Status::Frame, "a whole body within the limit is a frame");
      CAREGUARD_FUZZ_CHECK(result.body == stream.substr(offset + 4, length), "the body is the stream's bytes");
    }
    offset += 4 + length;
  }
  // Closed stays closed: the host's loop may ask again after an end.
  check_end_of_stream(reader.next());
  return 0;
}
