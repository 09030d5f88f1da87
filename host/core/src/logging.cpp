#include "careguard/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace careguard {

void setup_logging(std::string_view program, const Config& config, bool to_stderr) {
  std::vector<spdlog::sink_ptr> sinks;
  if (to_stderr) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  if (!config.log_file.empty()) {
    try {
      std::filesystem::create_directories(config.log_file.parent_path());
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(config.log_file.string(),
                                                                              5U * 1024U * 1024U, 3));
    } catch (const spdlog::spdlog_ex&) {
      // An unwritable log file must not stop protection; stderr still has the logs.
    } catch (const std::filesystem::filesystem_error&) {
    }
  }
  auto logger = std::make_shared<spdlog::logger>(std::string(program), sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n[%P] %l: %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace careguard
