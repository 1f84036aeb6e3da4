// Logging to stderr, syslog, HA_LOGFILE and the OCF_TRACE_RA trace file.
#include "ocfkit/log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>

namespace ocfkit {

namespace {

struct Facility {
    const char* name;
    int value;
};

constexpr Facility kFacilities[] = {
    {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}, {"syslog", LOG_SYSLOG}, {"authpriv", LOG_AUTHPRIV},
};

const char* level_name(LogLevel l)
{
    switch (l) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warning: return "WARNING";
    case LogLevel::Error: return "ERROR";
    }
    return "INFO";
}

int syslog_priority(LogLevel l)
{
    switch (l) {
    case LogLevel::Debug: return LOG_DEBUG;
    case LogLevel::Info: return LOG_INFO;
    case LogLevel::Warning: return LOG_WARNING;
    case LogLevel::Error: return LOG_ERR;
    }
    return LOG_INFO;
}

std::string timestamp()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%b %d %H:%M:%S", &tm);
    return buf;
}

}  // namespace

Logger::~Logger()
{
    if (logfile_) std::fclose(logfile_);
    if (trace_) std::fclose(trace_);
    if (syslog_) closelog();
}

Logger::Logger(Logger&& o) noexcept { *this = std::move(o); }

Logger& Logger::operator=(Logger&& o) noexcept
{
    if (this == &o) return *this;
    tag_ = std::move(o.tag_);
    debug_ = o.debug_;
    to_stderr_ = o.to_stderr_;
    syslog_ = o.syslog_;
    syslog_facility_ = o.syslog_facility_;
    std::swap(logfile_, o.logfile_);
    std::swap(trace_, o.trace_);
    trace_path_ = std::move(o.trace_path_);
    sink_ = o.sink_;
    o.syslog_ = false;
    return *this;
}

Logger Logger::from_env(const Env& env, std::string_view agent, std::string_view action)
{
    Logger l;
    std::string instance = env.resource_instance();
    l.tag_ = instance.empty() ? std::string(agent) : fmt::format("{}({})", agent, instance);
    auto dbg = env.get("HA_DEBUG");
    l.debug_ = dbg && *dbg != "0" && !dbg->empty();
    if (auto fac = env.get("HA_LOGFACILITY"); fac && *fac != "none" && !fac->empty()) {
        for (const auto& f : kFacilities) {
            if (*fac == f.name) {
                l.syslog_ = true;
                l.syslog_facility_ = f.value;
            }
        }
        if (l.syslog_) openlog(std::string(agent).c_str(), LOG_PID, l.syslog_facility_);
    }
    if (auto file = env.get("HA_LOGFILE"); file && !file->empty()) l.logfile_ = std::fopen(file->c_str(), "ae");

    // OCF_TRACE_RA: one file per operation under OCF_TRACE_FILE's directory or the usual place.
    auto trace = env.get("OCF_TRACE_RA");
    if (trace && parse_bool(*trace).value_or(*trace != "0" && !trace->empty()) && action != "meta-data") {
        std::string path;
        if (auto f = env.get("OCF_TRACE_FILE"); f && !f->empty() && f->front() == '/') {
            path = *f;
        } else {
            std::string dir = env.get_or("OCF_RESKEY_trace_dir", "/var/lib/heartbeat/trace_ra");
            dir = fmt::format("{}/{}", dir, agent);
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            path = fmt::format("{}/{}.{}.{}", dir, instance.empty() ? "noname" : instance, action,
                               std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count());
        }
        l.trace_ = std::fopen(path.c_str(), "ae");
        if (l.trace_) l.trace_path_ = path;
    }
    return l;
}

Logger Logger::to_string(std::string* sink, bool debug)
{
    Logger l;
    l.sink_ = sink;
    l.debug_ = debug;
    l.to_stderr_ = false;
    return l;
}

namespace {

// fmt::print throws when the stream is gone (execd restarted, a closed pipe: EPIPE); a log line
// must never abort the operation it describes.
void write_quietly(std::FILE* f, const std::string& text)
{
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) std::clearerr(f);
}

}  // namespace

void Logger::log(LogLevel level, std::string_view message)
{
    std::string line = fmt::format("{}: {}", level_name(level), message);
    if (sink_) {
        *sink_ += line;
        *sink_ += '\n';
    }
    if (trace_) {
        write_quietly(trace_, fmt::format("{} {}\n", timestamp(), line));
        std::fflush(trace_);
    }
    if (level == LogLevel::Debug && !debug_) return;
    if (to_stderr_) write_quietly(stderr, line + "\n");
    if (syslog_) syslog(syslog_priority(level), "%s: %s", tag_.c_str(), std::string(message).c_str());
    if (logfile_) {
        write_quietly(logfile_, fmt::format("{} {}[{}]: {}\n", timestamp(), tag_, getpid(), line));
        std::fflush(logfile_);
    }
}

}  // namespace ocfkit
