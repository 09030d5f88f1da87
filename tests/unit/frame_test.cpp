// careguard framing over real pipes: whole frames, frames split across many writes, limits
// (empty, too large but skippable, impossible), truncated streams, and the writer's byte layout.

#include "careguard/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace {

using careguard::FrameReader;
using careguard::FrameWriter;
using Status = careguard::FrameReader::Status;

std::string header(std::uint32_t length) {
  std::string out(sizeof length, '\0');
  std::memcpy(out.data(), &length, sizeof length);
  return out;
}

std::string frame(std::string_view body) { return header(static_cast<std::uint32_t>(body.size())) + std::string(body); }

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto put = ::write(fd, bytes.data(), bytes.size());
    if (put <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(put));
  }
  return true;
}

/// A pipe whose write end a writer thread feeds; the test reads the other end.
class PipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::pipe2(fds_, O_CLOEXEC), 0);
    std::signal(SIGPIPE, SIG_IGN);
  }
  void TearDown() override {
    close_write();
    if (writer_.joinable()) {
      writer_.join();
    }
    if (fds_[0] >= 0) {
      ::close(fds_[0]);
    }
  }
  void close_write() {
    if (fds_[1] >= 0) {
      ::close(fds_[1]);
      fds_[1] = -1;
    }
  }
  /// Writes the pieces in order (one write() each, as far as the pipe allows), then closes.
  void write_then_close(std::vector<std::string> pieces) {
    writer_ = std::thread([this, moved = std::move(pieces)] {
      for (const auto& piece : moved) {
        EXPECT_TRUE(write_all(fds_[1], piece));
        std::this_thread::yield();
      }
      close_write();
    });
  }
  [[nodiscard]] int read_fd() const { return fds_[0]; }

  int fds_[2] = {-1, -1};
  std::thread writer_;
};

TEST_F(PipeTest, OneFrame) {
  write_then_close({frame(R"({"type":"hello","id":1})")});
  FrameReader reader(read_fd());
  auto result = reader.next();
  EXPECT_EQ(result.status, Status::Frame);
  EXPECT_EQ(result.body, R"({"type":"hello","id":1})");
  EXPECT_EQ(result.length, 23U);
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, TwoFramesInOneWrite) {
  write_then_close({frame("{\"a\":1}") + frame("{\"b\":22}")});
  FrameReader reader(read_fd());
  auto first = reader.next();
  ASSERT_EQ(first.status, Status::Frame);
  EXPECT_EQ(first.body, "{\"a\":1}");
  auto second = reader.next();
  ASSERT_EQ(second.status, Status::Frame);
  EXPECT_EQ(second.body, "{\"b\":22}");
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, FrameSplitAcrossManySmallWrites) {
  std::string body = R"({"type":"scan","text":")";
  for (int i = 0; i < 3000; ++i) {
    body += "abc\xC3\xA9 ";
  }
  body += "\"}";
  const std::string bytes = frame(body) + frame("{}");
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t size = std::min<std::size_t>(1 + (at % 7), bytes.size() - at);  // 1..7 bytes
    pieces.push_back(bytes.substr(at, size));
    at += size;
  }
  write_then_close(std::move(pieces));
  FrameReader reader(read_fd());
  auto first = reader.next();
  ASSERT_EQ(first.status, Status::Frame);
  EXPECT_EQ(first.body, body);
  auto second = reader.next();
  ASSERT_EQ(second.status, Status::Frame);
  EXPECT_EQ(second.body, "{}");
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, ZeroLengthIsEmptyAndTheStreamGoesOn) {
  write_then_close({header(0) + frame("{}")});
  FrameReader reader(read_fd());
  auto empty = reader.next();
  EXPECT_EQ(empty.status, Status::Empty);
  EXPECT_EQ(empty.length, 0U);
  auto next = reader.next();
  ASSERT_EQ(next.status, Status::Frame);
  EXPECT_EQ(next.body, "{}");
}

TEST_F(PipeTest, OverLimitIsDiscardedExactlyAndTheNextFrameReads) {
  constexpr std::uint32_t length = careguard::kMaxIncomingFrame + 1;
  writer_ = std::thread([this] {
    EXPECT_TRUE(write_all(fds_[1], header(length)));
    const std::string chunk(64 * 1024, 'x');
    std::size_t left = length;
    while (left > 0) {
      const std::size_t size = std::min(left, chunk.size());
      EXPECT_TRUE(write_all(fds_[1], std::string_view(chunk).substr(0, size)));
      left -= size;
    }
    EXPECT_TRUE(write_all(fds_[1], frame("{\"after\":true}")));
    close_write();
  });
  FrameReader reader(read_fd());
  auto big = reader.next();
  EXPECT_EQ(big.status, Status::TooLarge);
  EXPECT_EQ(big.length, length);
  EXPECT_TRUE(big.body.empty());
  auto next = reader.next();
  ASSERT_EQ(next.status, Status::Frame);
  EXPECT_EQ(next.body, "{\"after\":true}");
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, ExactlyTheLimitIsAFrame) {
  constexpr std::uint32_t length = careguard::kMaxIncomingFrame;
  writer_ = std::thread([this] {
    EXPECT_TRUE(write_all(fds_[1], header(length) + std::string(length, 'y')));
    close_write();
  });
  FrameReader reader(read_fd());
  auto result = reader.next();
  ASSERT_EQ(result.status, Status::Frame);
  EXPECT_EQ(result.body.size(), length);
  EXPECT_EQ(result.body.find_first_not_of('y'), std::string::npos);
}

TEST_F(PipeTest, OverTheBrowserMaximumIsCorrupt) {
  write_then_close({header(careguard::kMaxBrowserFrame + 1) + "whatever follows"});
  FrameReader reader(read_fd());
  auto result = reader.next();
  EXPECT_EQ(result.status, Status::Corrupt);
  EXPECT_EQ(result.length, careguard::kMaxBrowserFrame + 1ULL);
}

TEST_F(PipeTest, ImpossiblePrefixFromStrayText) {
  write_then_close({"hello world\n"});  // "hell" read as a length is about 1.8 GB
  FrameReader reader(read_fd());
  EXPECT_EQ(reader.next().status, Status::Corrupt);
}

TEST_F(PipeTest, TruncatedHeaderIsEndOfStream) {
  write_then_close({std::string("\x05\x00", 2)});
  FrameReader reader(read_fd());
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, TruncatedBodyIsEndOfStream) {
  write_then_close({header(10) + "12345"});
  FrameReader reader(read_fd());
  auto result = reader.next();
  EXPECT_EQ(result.status, Status::EndOfStream);
  EXPECT_TRUE(result.body.empty());
}

TEST_F(PipeTest, TruncatedOversizeBodyIsEndOfStream) {
  write_then_close({header(careguard::kMaxIncomingFrame + 10) + std::string(1000, 'z')});
  FrameReader reader(read_fd());
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST_F(PipeTest, ImmediateEndOfStream) {
  close_write();
  FrameReader reader(read_fd());
  EXPECT_EQ(reader.next().status, Status::EndOfStream);
}

TEST(FrameReaderErrors, ReadFailureIsIoError) {
  FrameReader reader(-1);
  EXPECT_EQ(reader.next().status, Status::IoError);
}

TEST_F(PipeTest, WriterWritesNativeLengthThenBody) {
  FrameWriter writer(fds_[1]);
  const std::string body = R"({"type":"result","id":"r1","findings":[]})";
  ASSERT_TRUE(writer.write(body));
  ASSERT_TRUE(writer.write(""));
  close_write();
  std::string raw;
  char buffer[256];
  for (;;) {
    const auto got = ::read(read_fd(), buffer, sizeof buffer);
    if (got <= 0) {
      break;
    }
    raw.append(buffer, static_cast<std::size_t>(got));
  }
  ASSERT_EQ(raw.size(), 4 + body.size() + 4);
  std::uint32_t length = 0;
  std::memcpy(&length, raw.data(), sizeof length);
  EXPECT_EQ(length, body.size());
  EXPECT_EQ(raw.substr(4, body.size()), body);
  std::memcpy(&length, raw.data() + 4 + body.size(), sizeof length);
  EXPECT_EQ(length, 0U);
}

TEST_F(PipeTest, WriterAndReaderRoundTripLargeFrames) {
  const std::string body(careguard::kMaxOutgoingFrame, 'q');
  writer_ = std::thread([this, &body] {
    FrameWriter writer(fds_[1]);
    EXPECT_TRUE(writer.write(body));
    EXPECT_TRUE(writer.write("{}"));
    close_write();
  });
  FrameReader reader(read_fd());
  auto first = reader.next();
  ASSERT_EQ(first.status, Status::Frame);
  EXPECT_EQ(first.body, body);
  EXPECT_EQ(reader.next().body, "{}");
}

TEST_F(PipeTest, WritingToAClosedPipeReturnsFalse) {
  ::close(fds_[0]);
  fds_[0] = -1;
  FrameWriter writer(fds_[1]);
  EXPECT_FALSE(writer.write("{\"type\":\"result\"}"));  // EPIPE, not SIGPIPE
}

}  // namespace
