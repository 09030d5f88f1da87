#include "careguard/frame.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#ifdef _WIN32
#include <io.h>
#define CAREGUARD_READ _read
#define CAREGUARD_WRITE _write
#else
#include <unistd.h>
#define CAREGUARD_READ ::read
#define CAREGUARD_WRITE ::write
#endif

namespace careguard {

namespace {
constexpr std::size_t kChunk = 64U * 1024U;
}

FrameReader::FrameReader(int fd, std::uint32_t max_frame) : fd_(fd), max_frame_(max_frame), buffer_(kChunk) {}

bool FrameReader::fill() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  }
  if (end_ == buffer_.size()) {
    return true;
  }
  for (;;) {
    const auto got = CAREGUARD_READ(fd_, buffer_.data() + end_, static_cast<unsigned>(buffer_.size() - end_));
    if (got > 0) {
      end_ += static_cast<std::size_t>(got);
      return true;
    }
    if (got == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    io_error_ = true;
    return false;
  }
}

bool FrameReader::take(std::size_t count, std::string* out) {
  while (count > 0) {
    if (begin_ == end_ && !fill()) {
      return false;
    }
    const std::size_t available = std::min(count, end_ - begin_);
    if (out != nullptr) {
      out->append(buffer_.data() + begin_, available);
    }
    begin_ += available;
    count -= available;
  }
  return true;
}

FrameReader::Result FrameReader::next() {
  Result result;
  std::string header;
  if (!take(4, &header)) {
    result.status = io_error_ ? Status::IoError : Status::EndOfStream;
    return result;
  }
  std::uint32_t length = 0;
  std::memcpy(&length, header.data(), sizeof length);  // native byte order, as the browsers write it
  result.length = length;
  if (length == 0) {
    result.status = Status::Empty;
    return result;
  }
  if (length > kMaxBrowserFrame && max_frame_ <= kMaxBrowserFrame) {
    result.status = Status::Corrupt;
    return result;
  }
  if (length > max_frame_) {
    if (!take(length, nullptr)) {
      result.status = io_error_ ? Status::IoError : Status::EndOfStream;
      return result;
    }
    result.status = Status::TooLarge;
    return result;
  }
  result.body.reserve(length);
  if (!take(length, &result.body)) {
    result.body.clear();
    result.status = io_error_ ? Status::IoError : Status::EndOfStream;
    return result;
  }
  result.status = Status::Frame;
  return result;
}

FrameWriter::FrameWriter(int fd) : fd_(fd) {}

bool FrameWriter::write(std::string_view body) {
  const auto length = static_cast<std::uint32_t>(body.size());
  std::string frame(sizeof length + body.size(), '\0');
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, body.data(), body.size());
  std::size_t written = 0;
  while (written < frame.size()) {
    const auto put = CAREGUARD_WRITE(fd_, frame.data() + written, static_cast<unsigned>(frame.size() - written));
    if (put > 0) {
      written += static_cast<std::size_t>(put);
    } else if (put < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace careguard
