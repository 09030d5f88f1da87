#pragma once
// A POSIX file descriptor closed when it goes out of scope: the host's child processes (the
// compile helper, doctor's probe of the host) each hold several pipe or socket ends, and every
// early return must close them. Private to careguard::core.

#if !defined(_WIN32)
#include <unistd.h>

namespace careguard {

struct UniqueFd {
  int fd = -1;

  UniqueFd() = default;
  explicit UniqueFd(int value) : fd(value) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&&) = delete;
  UniqueFd& operator=(UniqueFd&&) = delete;
  ~UniqueFd() { reset(); }

  void reset() {
    if (fd >= 0) {
      ::close(fd);
    }
    fd = -1;
  }
};

}  // namespace careguard
#endif
