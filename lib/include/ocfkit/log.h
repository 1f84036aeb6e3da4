// One logger: stderr for the operator, syslog/HA_LOGFILE as the shell agents honour, OCF_TRACE_RA.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "ocfkit/env.h"

namespace ocfkit {

enum class LogLevel { Debug, Info, Warning, Error };

class Logger {
public:
    Logger() = default;  // stderr only, no debug
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;
    Logger(Logger&&) noexcept;
    Logger& operator=(Logger&&) noexcept;

    // tag: "<agent>(<instance>)[pid]"-style prefix; action names the per-operation trace file.
    static Logger from_env(const Env& env, std::string_view agent, std::string_view action);
    // Captures everything into `sink` instead (tests).
    static Logger to_string(std::string* sink, bool debug = true);

    void log(LogLevel level, std::string_view message);
    bool debug_enabled() const { return debug_ || trace_ != nullptr; }

    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args)
    {
        if (debug_enabled()) log(LogLevel::Debug, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args)
    {
        log(LogLevel::Info, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args)
    {
        log(LogLevel::Warning, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args)
    {
        log(LogLevel::Error, fmt::format(f, std::forward<Args>(args)...));
    }

    const std::string& trace_path() const { return trace_path_; }

private:
    std::string tag_;
    bool debug_ = false;
    bool to_stderr_ = true;
    bool syslog_ = false;
    int syslog_facility_ = 0;
    std::FILE* logfile_ = nullptr;
    std::FILE* trace_ = nullptr;
    std::string trace_path_;
    std::string* sink_ = nullptr;
};

}  // namespace ocfkit
