// One operation's DRBD node, promotion score, unfencing and fencing memory, and its waits.
#include "drbd_dual_detail.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace ocfkit::drbd {

// Sleeps up to `step`, never past `until`; false when `until` has passed.
bool pause_until(Deadline::Clock::time_point until, std::chrono::milliseconds step)
{
    auto now = Deadline::Clock::now();
    if (now >= until) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    std::this_thread::sleep_for(std::min(step, left));
    return true;
}

// Retry loops stop this long before the deadline, so their last report is a DRBD answer and
// not a status read the deadline cut short.
Deadline::Clock::time_point retry_until(const Context& ctx)
{
    auto reserve = std::min<std::chrono::milliseconds>(1000ms, ctx.deadline.remaining() / 4);
    return ctx.deadline.when() - reserve;
}

Operation::Operation(Context& ctx)
    : ctx_(ctx),
      node_(ctx),
      table_(parse_score_table(ctx.params.str("adjust_master_score"))),
      scores_(ctx, node_.score_cache(),
              corosync_membership(ctx.env.get_or("OCFKIT_COROSYNC_STATE", "/var/lib/corosync")))
{
}

void Operation::update_score(const ResourceStatus& st, bool force, const std::string& fencing)
{
    if (st.role != "Primary" && single_primary_option(ctx_, "remove_master_score_if_peer_primary")) {
        if (auto peer = healthy_primary_peer(st)) {
            remove_score(force, fmt::format("connected to Primary {} (remove_master_score_if_peer_primary)", *peer));
            return;
        }
    }
    scores_.apply(promotion_score(st, table_, fencing.empty() ? fencing_hint() : fencing), force);
}

void Operation::remove_score(bool force, std::string why)
{
    ScoreDecision d;
    d.action = ScoreAction::Remove;
    d.why = std::move(why);
    scores_.apply(d, force);
}

void Operation::forget_unfenced()
{
    std::error_code ec;
    std::filesystem::remove(node_.state_file(".unfenced"), ec);
}

void Operation::maybe_unfence(const ResourceStatus& st)
{
    if (!ctx_.params.boolean("unfence_if_all_uptodate")) return;
    std::error_code ec;
    const std::filesystem::path marker = node_.state_file(".unfenced");
    if (!all_up_to_date_primary(st)) {
        forget_unfenced();
        return;
    }
    const long long now = std::time(nullptr);
    long long last = 0;
    if (std::ifstream in(marker); in >> last && now - last >= 0 && now - last < 300) return;
    const std::string args = ctx_.params.str("unfence_extra_args");
    auto cap = std::min<std::chrono::milliseconds>(10s, ctx_.deadline.remaining() / 2);
    CommandResult r = node_.run({"drbdadm", "-c", node_.conf(), "unfence-peer", "--", node_.resource()}, cap,
                                {{"OCF_RESKEY_unfence_extra_args", args}});
    if (r.ok())
        ctx_.log.info("{}: all data UpToDate; ran DRBD's unfence-peer handler (unfence_if_all_uptodate)",
                      node_.resource());
    else
        ctx_.log.warn("'drbdadm unfence-peer {}' {}: {}; trying again in five minutes", node_.resource(),
                      r.describe(), one_line(r.err.empty() ? r.out : r.err));
    // A failing handler too waits five minutes: not a program and a warning every monitor.
    std::filesystem::create_directories(node_.state_dir(), ec);
    std::ofstream(marker, std::ios::trunc) << now << '\n';
}

std::string Operation::fencing_hint()
{
    if (!fencing_.empty()) return fencing_;
    std::ifstream in(node_.state_file(".fencing"));
    in >> fencing_;
    return fencing_;
}

void Operation::remember_fencing(const std::string& fencing)
{
    fencing_ = fencing.empty() ? "dont-care" : fencing;
    std::error_code ec;
    std::filesystem::create_directories(node_.state_dir(), ec);
    std::ofstream out(node_.state_file(".fencing"), std::ios::trunc);
    out << fencing_ << '\n';
}

}  // namespace ocfkit::drbd
