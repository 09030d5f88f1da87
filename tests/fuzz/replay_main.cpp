// Runs a fuzz target over files instead of generated inputs: every file in the directories (or
// the files) given, in name order, through the same LLVMFuzzerTestOneInput the fuzzer uses. A
// target reports a bug by aborting, so a clean exit means every seed and every recorded crash
// passes. Used by ctest in every build, with any compiler (libFuzzer itself needs clang).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_in(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      // Dot files (.gitkeep) hold a folder in git; they are not inputs.
      if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path)) {
    files.push_back(path);
  } else {
    std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", path.string().c_str());
    std::exit(2);
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  (void)LLVMFuzzerInitialize(&argc, &argv);
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& file : inputs_in(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.string().c_str());
        return 2;
      }
      // Announced first, so the file that aborts is the last name in the output.
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.string().c_str(), bytes.size());
      std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());  // exact size, so ASan sees overreads
      (void)LLVMFuzzerTestOneInput(copy.data(), copy.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    // An empty seed folder would make this test pass while checking nothing.
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  std::fprintf(stderr, "replay: %zu inputs, no failures\n", replayed);
  return 0;
}
