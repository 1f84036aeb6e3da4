// Promotion-score writes through crm_attribute --promotion, skipped while the cached value holds.
#include "score_keeper.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include <algorithm>

#include <fmt/format.h>

namespace ocfkit::drbd {

namespace fs = std::filesystem;

ScoreKeeper::ScoreKeeper(Context& ctx, fs::path cache_file, std::string membership)
    : ctx_(ctx), file_(std::move(cache_file)), membership_(std::move(membership))
{
}

std::optional<ScoreKeeper::Cached> ScoreKeeper::load() const
{
    std::ifstream in(file_);
    std::string value, membership;
    long long at = 0;
    if (!(in >> value >> membership >> at)) return std::nullopt;
    Cached c;
    if (value != "none") {
        auto v = parse_int(value);
        if (!v) return std::nullopt;
        c.value = *v;
    }
    c.membership = membership == "-" ? "" : membership;
    c.written_at = at;
    return c;
}

void ScoreKeeper::store(std::optional<long long> value) const
{
    std::error_code ec;
    fs::create_directories(file_.parent_path(), ec);
    fs::permissions(file_.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    // Write a temporary file and rename it, so a concurrent reader never sees half a line.
    fs::path tmp = file_;
    tmp += fmt::format(".{}", ::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << (value ? std::to_string(*value) : std::string("none")) << ' '
            << (membership_.empty() ? std::string("-") : membership_) << ' ' << std::time(nullptr) << '\n';
        if (!out) {
            fs::remove(tmp, ec);
            return;
        }
    }
    fs::rename(tmp, file_, ec);
    if (ec) fs::remove(tmp, ec);
}

void ScoreKeeper::forget() const
{
    std::error_code ec;
    fs::remove(file_, ec);
}

bool ScoreKeeper::write(std::optional<long long> value)
{
    CommandSpec spec;
    spec.argv = {"crm_attribute", "--promotion"};
    // Pacemaker names the node for every action; without it crm_attribute asks the controller.
    if (auto node = ctx_.env.meta("on_node"); node && !node->empty()) {
        spec.argv.push_back("-N");
        spec.argv.push_back(*node);
    }
    if (value) {
        spec.argv.push_back("-v");
        spec.argv.push_back(std::to_string(*value));
    } else {
        spec.argv.push_back("-D");
    }
    // OCF_RESOURCE_INSTANCE names the attribute; CIB_file etc. pass through for tests.
    spec.inherit_env = true;
    spec.env.emplace("LC_ALL", "C");
    spec.timeout = std::chrono::seconds(10);
    CommandResult r = ctx_.runner.run(spec, ctx_.deadline);
    if (!r.ok()) {
        ctx_.log.warn("could not {} the promotion score: {}", value ? fmt::format("set ({})", *value) : "remove",
                      failure_message(spec, r));
        forget();  // retry on the next call
        return true;
    }
    store(value);
    return true;
}

bool ScoreKeeper::apply(const ScoreDecision& d, bool force)
{
    if (!ctx_.cluster.pacemaker()) return false;  // drbd-reactor or manual runs: no scores
    if (d.action == ScoreAction::Keep) return false;
    std::optional<long long> want;
    if (d.action == ScoreAction::Set) want = d.value;
    if (!force) {
        if (auto c = load()) {
            long long age = static_cast<long long>(std::time(nullptr)) - c->written_at;
            if (c->value == want && c->membership == membership_ && age >= 0 && age < max_age.count()) return false;
        }
    }
    if (want)
        ctx_.log.debug("promotion score {} ({})", *want, d.why);
    else
        ctx_.log.debug("promotion score removed ({})", d.why);
    return write(want);
}

std::string corosync_membership(const fs::path& state_dir)
{
    std::error_code ec;
    std::vector<std::string> parts;
    for (fs::directory_iterator it(state_dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind("ringid_", 0) != 0) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string hex;
        for (unsigned char c : bytes) hex += fmt::format("{:02x}", c);
        parts.push_back(fmt::format("{}={}", name, hex));
    }
    std::sort(parts.begin(), parts.end());
    return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace ocfkit::drbd
