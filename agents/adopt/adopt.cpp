// The adopt commands. Order of every change: save → maintenance → one versioned CIB patch →
// re-probe by the new agent on every node → compare → resume, or put everything back.
#include "adopt.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ocfkit/deadline.h"
#include "ocfkit/parse/crm_mon.h"
#include "plan.h"
#include "precheck.h"
#include "render.h"
#include "status.h"

namespace ocfkit::adopt {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};

// A tool failed in a way adopt cannot work around.
struct ToolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Cluster {
public:
    Cluster(CommandRunner& runner, const Output& out, const Output& err) : runner_(runner), out_(out), err_(err) {}

    CommandResult run(std::vector<std::string> argv, const Deadline& d, std::chrono::milliseconds timeout = 30s)
    {
        CommandSpec spec{.argv = std::move(argv), .timeout = timeout};
        return runner_.run(spec, d);
    }

    CommandResult must(std::vector<std::string> argv, const Deadline& d, std::chrono::milliseconds timeout = 30s)
    {
        CommandSpec spec{.argv = std::move(argv), .timeout = timeout};
        CommandResult r = runner_.run(spec, d);
        if (!r.ok()) throw ToolError(failure_message(spec, r));
        return r;
    }

    std::string cib(const Deadline& d) { return must({"cibadmin", "--query"}, d).out; }
    std::string status(const Deadline& d) { return must({"cibadmin", "--query", "--scope", "status"}, d).out; }
    parse::CrmMon mon(const Deadline& d)
    {
        last_mon_xml_ = must({"crm_mon", "--one-shot", "--output-as=xml"}, d).out;
        return parse::parse_crm_mon(last_mon_xml_);
    }
    const std::string& last_mon_xml() const { return last_mon_xml_; }

    // "" when settled; otherwise what is pending (crm_resource --wait computes the transition).
    std::string pending(const Deadline& d, std::chrono::seconds wait)
    {
        auto secs = std::max<long long>(1, wait.count());
        CommandResult r = run({"crm_resource", "--wait", fmt::format("--timeout={}s", secs)}, d, wait + 30s);
        if (r.ok()) return {};
        return one_line(r.out + " " + r.err, 400).empty() ? r.describe() : one_line(r.out + " " + r.err, 400);
    }

    void set_maintenance(const std::string& value, const Deadline& d)
    {
        if (value.empty())
            must({"crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--delete"}, d);
        else
            must({"crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--update", value}, d);
    }

    void refresh(const std::string& id, const Deadline& d)
    {
        must({"crm_resource", "--refresh", "--resource", id}, d, 60s);
    }

    // One versioned patch from `old_cib` to `new_cib`: the CIB applies it only when its version is
    // still old_cib's. Returns false when it was not (changed underneath).
    bool patch(const std::string& old_cib, const std::string& new_cib, const fs::path& dir, const Deadline& d)
    {
        fs::path o = dir / "adopt-old.xml", n = dir / "adopt-new.xml", p = dir / "adopt-patch.xml";
        write_private(o, old_cib);
        write_private(n, new_cib);
        CommandResult diff = run({"crm_diff", "--original", o.string(), "--new", n.string()}, d);
        // crm_diff exits 1 when the documents differ.
        if (!(diff.exited_with(0) || diff.exited_with(1)) || diff.out.empty())
            throw ToolError(failure_message(CommandSpec{.argv = {"crm_diff", "--original", o.string(), "--new", n.string()}}, diff));
        write_private(p, diff.out);
        CommandResult r = run({"cibadmin", "--patch", "--xml-file", p.string()}, d, 60s);
        fs::remove(o);
        fs::remove(n);
        fs::remove(p);
        if (r.ok()) return true;
        // 103: the CIB's version is newer than the patch's source; 205-206: diff did not apply.
        if (r.exited_with(103) || r.exited_with(205) || r.exited_with(206)) return false;
        throw ToolError(failure_message(CommandSpec{.argv = {"cibadmin", "--patch", "--xml-file", p.string()}}, r));
    }

    static void write_private(const fs::path& path, const std::string& text)
    {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw ToolError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t n = ::write(fd, text.data() + done, text.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                int e = errno;
                ::close(fd);
                throw ToolError(fmt::format("cannot write {}: {}", path.string(), std::strerror(e)));
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd) != 0 || ::close(fd) != 0) throw ToolError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }

    const Output& out() const { return out_; }
    const Output& err() const { return err_; }

private:
    CommandRunner& runner_;
    const Output& out_;
    const Output& err_;
    std::string last_mon_xml_;
};

std::string utc_stamp()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string save_cib(const Options& o, const std::string& what, const std::string& cib)
{
    fs::path dir = o.save_dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw ToolError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    ::chmod(dir.c_str(), 0700);
    fs::path file = dir / fmt::format("cib-before-{}-{}.xml", what, utc_stamp());
    for (int i = 1; fs::exists(file); ++i) file = dir / fmt::format("cib-before-{}-{}-{}.xml", what, utc_stamp(), i);
    Cluster::write_private(file, cib);
    return file.string();
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ToolError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string rc_name(int rc)
{
    switch (rc) {
    case 0: return "running";
    case 1: return "generic error";
    case 2: return "invalid parameter";
    case 3: return "unimplemented";
    case 4: return "insufficient privileges";
    case 5: return "not installed";
    case 6: return "not configured";
    case 7: return "not running";
    case 8: return "running promoted";
    case 9: return "failed promoted";
    case 190: return "degraded";
    case 191: return "degraded promoted";
    }
    return "unknown";
}

// One move of `ids` between two sets of definitions, with its way back.
struct Move {
    std::string verb{};                          // "apply" or "revert"
    std::vector<std::string> ids{};
    std::map<std::string, std::string> from{};   // id → agent now
    std::map<std::string, std::string> to{};     // id → agent after
    std::string to_doc{};                        // a CIB holding the new definitions
    std::string back_doc{};                      // a CIB holding the current ones (the saved file)
    std::string saved_path{};
};

// Asks for probes of `ids` everywhere and waits until each node recorded one by `agents`.
// Returns the states; `complete` false when the deadline passed or an interrupt came first.
std::vector<ProbeState> reprobe(Cluster& c, const std::vector<std::string>& ids,
                                const std::map<std::string, std::string>& agents, const std::vector<std::string>& nodes,
                                const Deadline& d, bool interruptible, bool& complete)
{
    for (const auto& id : ids) c.refresh(id, Deadline::after(90s));
    std::size_t expected = ids.size() * nodes.size();
    std::size_t last = SIZE_MAX;
    auto t0 = Deadline::Clock::now();
    auto last_print = t0;
    std::vector<ProbeState> states;
    complete = false;
    while (true) {
        states = probe_states(c.status(Deadline::after(60s)), nodes, agents);
        std::size_t done = static_cast<std::size_t>(std::count_if(states.begin(), states.end(), [](auto& s) { return s.done; }));
        auto now = Deadline::Clock::now();
        if (done != last || now - last_print >= 10s) {
            c.out()(fmt::format("  probes done: {}/{} ({} s)", done, expected,
                                std::chrono::duration_cast<std::chrono::seconds>(now - t0).count()));
            last = done;
            last_print = now;
        }
        if (done == expected) {
            complete = true;
            return states;
        }
        if (d.expired() || (interruptible && g_interrupted)) return states;
        sleep_within(d, 1s);
    }
}

// Puts `maintenance-mode` back as it was (removed when it was not set).
void resume(Cluster& c, const std::string& prev, const Deadline& d)
{
    c.set_maintenance(prev, d);
    c.out()(prev.empty() ? "maintenance-mode removed: the cluster manages the resources again"
                         : fmt::format("maintenance-mode={} again", prev));
}

// Replaces the primitives with those of `source` in one patch; retries only while the
// configuration itself is unchanged (status updates move num_updates, not the epoch).
enum class PatchResult { Done, Changed };
PatchResult replace(Cluster& c, const std::vector<std::string>& ids, const std::string& source,
                    const std::string& expect_now, const fs::path& dir, const Deadline& d, bool insist)
{
    std::string cur = c.cib(d);
    CibVersion first = cib_version(cur);
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto changed = differing_primitives(cur, expect_now, ids);
        if (!changed.empty()) {
            c.err()(fmt::format("changed since adopt read them: {}", fmt::join(changed, ", ")));
            return PatchResult::Changed;
        }
        // Forward, the plan holds only for the configuration it was made from.
        if (auto sections = changed_sections(cur, expect_now); !insist && !sections.empty()) {
            c.err()(fmt::format("the configuration changed since adopt read it ({})", fmt::join(sections, ", ")));
            return PatchResult::Changed;
        }
        if (c.patch(cur, revert_cib(cur, source, ids), dir, d)) return PatchResult::Done;
        cur = c.cib(d);
        CibVersion now = cib_version(cur);
        if (!insist && !now.same_config(first)) {
            c.err()(fmt::format("the CIB changed underneath (epoch {}.{} is now {}.{})", first.admin_epoch, first.epoch,
                                now.admin_epoch, now.epoch));
            return PatchResult::Changed;
        }
        sleep_within(d, 200ms);
    }
    c.err()("the CIB kept changing: 10 attempts to update it failed");
    return PatchResult::Changed;
}

std::vector<std::string> judge(const Roles& before, const Roles& after, const std::vector<std::string>& ids,
                               const std::vector<ProbeState>& probes, bool complete)
{
    std::vector<std::string> out;
    for (const auto& s : probes) {
        if (!s.done) {
            out.push_back(fmt::format("{} on {}: no probe by the new agent recorded{}", s.id, s.node,
                                      complete ? "" : " before the deadline"));
        } else if (s.rc != 0 && s.rc != 7 && s.rc != 8) {
            out.push_back(fmt::format("{} on {}: the probe by {} failed: rc {} ({}){}", s.id, s.node, s.agent, s.rc,
                                      rc_name(s.rc), s.exit_reason.empty() ? "" : ": " + s.exit_reason));
        }
    }
    for (const auto& diff : role_differences(before, after, ids)) {
        std::string line = diff;
        for (const auto& s : probes)
            if (diff.rfind(s.id + " on " + s.node + ":", 0) == 0 && s.done)
                line += fmt::format(" (probe by {}: rc {} {}{})", s.agent, s.rc, rc_name(s.rc),
                                    s.exit_reason.empty() ? "" : ": " + s.exit_reason);
        out.push_back(line);
    }
    return out;
}

std::string resume_hint(const std::string& prev)
{
    return fmt::format("crm_attribute --type crm_config --name maintenance-mode {}", prev.empty() ? "--delete" : "--update " + prev);
}

// After a disagreement: the previous definitions back, re-probed by the previous agents, and
// management resumed only when they agree with the state before.
int put_back(Cluster& c, const Options& o, const Move& m, const Roles& before, const std::vector<std::string>& nodes,
             const std::string& prev)
{
    c.err()("putting the saved definitions back");
    Deadline back = Deadline::after(std::max<std::chrono::seconds>(o.timeout, 300s));
    fs::path dir = fs::path(m.saved_path).parent_path();
    try {
        if (replace(c, m.ids, m.back_doc, m.to_doc, dir, back, true) != PatchResult::Done) {
            c.err()(fmt::format("could not put the saved definitions back; the cluster stays in maintenance mode. "
                                "Saved CIB: {}", m.saved_path));
            return static_cast<int>(Exit::Attention);
        }
        c.out()(fmt::format("re-probing {} resource(s) with the previous agents", m.ids.size()));
        bool complete = false;
        auto probes = reprobe(c, m.ids, m.from, nodes, back, false, complete);
        auto problems = judge(before, roles_of(c.mon(Deadline::after(60s)), m.ids), m.ids, probes, complete);
        if (!problems.empty()) {
            for (const auto& p : problems) c.err()("after putting back: " + p);
            c.err()(fmt::format("the cluster stays in maintenance mode: check the resources, then run {}", resume_hint(prev)));
            return static_cast<int>(Exit::Attention);
        }
        resume(c, prev, Deadline::after(120s));
        if (auto p = c.pending(Deadline::after(150s), 120s); !p.empty())
            c.err()(fmt::format("warning: the cluster has not settled yet: {}", p));
    } catch (const std::exception& e) {
        c.err()(fmt::format("putting back failed: {}. The cluster stays in maintenance mode; the saved CIB is {}; "
                            "when the resources are right, run {}", e.what(), m.saved_path, resume_hint(prev)));
        return static_cast<int>(Exit::Attention);
    }
    c.err()(fmt::format("{} undone: every resource is back on its previous agent, in the state it had", m.verb));
    return static_cast<int>(Exit::Restored);
}

int perform(Cluster& c, const Options& o, const Move& m, const std::string& cib, const parse::CrmMon& mon)
{
    Deadline d = Deadline::after(o.timeout);
    fs::path dir = fs::path(m.saved_path).parent_path();
    Roles before = roles_of(mon, m.ids);
    std::vector<std::string> nodes = probing_nodes(mon);
    std::string prev = maintenance_mode_value(cib);
    bool maintenance = false, patched = false;
    std::vector<std::string> problems;
    // An interrupt before the update changes nothing (after it, it is a disagreement).
    if (g_interrupted) {
        c.err()("interrupted: nothing changed");
        return static_cast<int>(Exit::Refused);
    }
    try {
        maintenance = true;  // also when crm_attribute fails half-way: resuming is harmless
        c.set_maintenance("true", Deadline::after(60s));
        c.out()("maintenance-mode=true: Pacemaker starts, stops, promotes, demotes and migrates nothing until adopt is done");
        if (auto p = c.pending(d, 60s); !p.empty() || g_interrupted) {
            c.err()(p.empty() ? std::string("interrupted") : fmt::format("the cluster did not settle in maintenance mode: {}", p));
            resume(c, prev, Deadline::after(60s));
            c.err()("nothing changed");
            return static_cast<int>(Exit::Refused);
        }
        if (replace(c, m.ids, m.to_doc, m.back_doc, dir, d, false) != PatchResult::Done) {
            c.err()(fmt::format("nothing changed: run ocfkit adopt {} again", m.verb));
            resume(c, prev, Deadline::after(60s));
            return static_cast<int>(Exit::Refused);
        }
        patched = true;
        c.out()(fmt::format("one CIB update: {} now on {}", fmt::join(m.ids, ", "),
                            m.to.size() == 1 ? m.to.begin()->second : std::string("their new agents")));
        for (const auto& id : m.ids) c.out()(fmt::format("  {}: {} -> {}", id, m.from.at(id), m.to.at(id)));
        c.out()(fmt::format("re-probing {} resource(s) on {} node(s) with the new agents", m.ids.size(), nodes.size()));
        bool complete = false;
        auto probes = reprobe(c, m.ids, m.to, nodes, d, true, complete);
        problems = judge(before, roles_of(c.mon(Deadline::after(60s)), m.ids), m.ids, probes, complete);
        if (g_interrupted) problems.emplace_back("interrupted");
    } catch (const std::exception& e) {
        c.err()(fmt::format("{} failed: {}", m.verb, e.what()));
        if (!patched) {
            if (!maintenance) throw;
            try {
                resume(c, prev, Deadline::after(60s));
            } catch (const std::exception& e2) {
                c.err()(fmt::format("and maintenance-mode could not be ended: {}; nothing else changed: run {}", e2.what(),
                                    resume_hint(prev)));
                return static_cast<int>(Exit::Attention);
            }
            c.err()("nothing changed");
            return static_cast<int>(Exit::Refused);
        }
        problems.push_back(fmt::format("error: {}", e.what()));
    }
    if (!problems.empty()) {
        for (const auto& p : problems) c.err()("disagreement: " + p);
        return put_back(c, o, m, before, nodes, prev);
    }
    try {
        resume(c, prev, Deadline::after(120s));
        Deadline settle = Deadline::after(std::max<std::chrono::milliseconds>(d.remaining(), 120s));
        if (auto p = c.pending(settle, std::chrono::duration_cast<std::chrono::seconds>(settle.remaining())); !p.empty())
            c.err()(fmt::format("warning: the cluster has not settled yet: {}", p));
        auto final_mon = c.mon(Deadline::after(60s));
        auto later = role_differences(before, roles_of(final_mon, m.ids), m.ids);
        auto failed = refusals(final_mon, m.ids);
        // The history was emptied by the refresh: anything but monitors in it ran since.
        auto ran = actions_in_history(c.status(Deadline::after(60s)), m.ids);
        if (!later.empty() || !failed.empty() || !ran.empty()) {
            for (const auto& l : later) c.err()("after resuming: " + l);
            for (const auto& f : failed) c.err()("after resuming: " + f);
            for (const auto& r : ran) c.err()("after resuming, Pacemaker ran: " + r);
            return static_cast<int>(Exit::Attention);
        }
        c.out()("history since the re-probe: probes and monitors only, on every node");
    } catch (const std::exception& e) {
        c.err()(fmt::format("the resources are on their new agents and verified, but resuming failed: {}; run {}", e.what(),
                            resume_hint(prev)));
        return static_cast<int>(Exit::Attention);
    }
    c.out()(fmt::format("{}: every instance probed by its new agent in the state it had; nothing was stopped or started",
                        m.verb == "apply" ? "adopted" : "reverted"));
    return static_cast<int>(Exit::Ok);
}

// Refusals common to apply and revert; empty when fit.
std::vector<std::string> check_fit(Cluster& c, const parse::CrmMon& mon, const std::vector<std::string>& ids, const Deadline& d)
{
    auto why = refusals(mon, ids);
    for (const auto& n : joining_nodes(c.last_mon_xml())) why.push_back(fmt::format("node {} is still joining the cluster", n));
    if (mon.maintenance_mode) why.emplace_back("the cluster is in maintenance mode already: adopt would end it; end it first");
    if (auto p = c.pending(d, 2s); !p.empty()) why.push_back("a transition is in progress: " + p);
    return why;
}

Plan restricted(Plan plan, const std::vector<std::string>& only, std::vector<std::string>& unknown)
{
    if (only.empty()) return plan;
    for (const auto& id : only)
        if (std::none_of(plan.resources.begin(), plan.resources.end(), [&](auto& r) { return r.id == id; })) unknown.push_back(id);
    std::erase_if(plan.resources, [&](const ResourcePlan& r) { return std::find(only.begin(), only.end(), r.id) == only.end(); });
    return plan;
}

template <typename F>
int guarded(const Output& err, F&& f)
{
    try {
        return f();
    } catch (const ToolError& e) {
        err(fmt::format("ocfkit adopt: {}", e.what()));
    } catch (const parse::ParseError& e) {
        err(fmt::format("ocfkit adopt: {}", e.what()));
    }
    return static_cast<int>(Exit::Error);
}

}  // namespace

void request_interrupt() { g_interrupted = true; }
void clear_interrupt() { g_interrupted = false; }

int run_plan(CommandRunner& runner, const Options& o, const Output& out, const Output& err)
{
    return guarded(err, [&] {
        Cluster c(runner, out, err);
        std::string cib = o.cib_file.empty() ? c.cib(Deadline::after(60s)) : read_file(o.cib_file);
        std::vector<std::string> unknown;
        Plan plan = restricted(make_plan(cib, o.provider), o.only, unknown);
        for (const auto& id : unknown) err(fmt::format("ocfkit adopt: {} is not a resource on a stock agent ocfkit replaces", id));
        if (!unknown.empty()) return static_cast<int>(Exit::Usage);
        if (o.validate) validate_plan(plan, runner, o.ocf_root);
        out(o.json ? render_plan_json(plan) : render_plan_text(plan));
        return plan.staying() ? static_cast<int>(Exit::SomeStay) : static_cast<int>(Exit::Ok);
    });
}

int run_apply(CommandRunner& runner, const Options& o, const Output& out, const Output& err)
{
    return guarded(err, [&]() -> int {
        Cluster c(runner, out, err);
        Deadline d = Deadline::after(120s);
        std::string cib = c.cib(d);
        std::vector<std::string> unknown;
        Plan plan = restricted(make_plan(cib, o.provider), o.only, unknown);
        for (const auto& id : unknown) err(fmt::format("ocfkit adopt: {} is not a resource on a stock agent ocfkit replaces", id));
        if (!unknown.empty()) return static_cast<int>(Exit::Usage);
        if (o.validate) validate_plan(plan, runner, o.ocf_root);
        out(render_plan_text(plan));
        Move m{.verb = "apply"};
        for (const auto& r : plan.resources) {
            if (!r.converts) continue;
            m.ids.push_back(r.id);
            m.from[r.id] = r.stock_agent;
            m.to[r.id] = r.new_agent;
        }
        int stay = plan.staying() ? static_cast<int>(Exit::SomeStay) : static_cast<int>(Exit::Ok);
        if (m.ids.empty()) {
            out("nothing to convert");
            return stay;
        }
        auto mon = c.mon(d);
        if (auto why = check_fit(c, mon, m.ids, d); !why.empty()) {
            for (const auto& w : why) err("refused: " + w);
            err("nothing changed");
            return static_cast<int>(Exit::Refused);
        }
        m.saved_path = save_cib(o, "adopt", cib);
        out(fmt::format("saved the CIB to {} (ocfkit adopt revert {} moves the resources back)", m.saved_path, m.saved_path));
        m.back_doc = cib;
        m.to_doc = convert_cib(cib, plan, m.ids);
        int rc = perform(c, o, m, cib, mon);
        return rc == static_cast<int>(Exit::Ok) ? stay : rc;
    });
}

int run_revert(CommandRunner& runner, const Options& o, const std::string& saved_file, const Output& out, const Output& err)
{
    return guarded(err, [&]() -> int {
        Cluster c(runner, out, err);
        Deadline d = Deadline::after(120s);
        std::string saved = read_file(saved_file);
        std::string cib = c.cib(d);
        RevertPlan rp = plan_revert(saved, cib, o.provider);
        for (const auto& m : rp.missing) out("not reverted: " + m);
        Move m{.verb = "revert"};
        bool refused = false;
        for (const auto& item : rp.items) {
            if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), item.id) == o.only.end()) continue;
            if (item.changed_since && !o.force) {
                err(fmt::format("refused: {} was changed since apply ({}); --force puts the saved definition back anyway",
                                item.id, item.change));
                refused = true;
                continue;
            }
            out(fmt::format("{}: {} -> {}", item.id, item.current_agent, item.stock_agent));
            m.ids.push_back(item.id);
            m.from[item.id] = item.current_agent;
            m.to[item.id] = item.stock_agent;
        }
        if (refused) {
            err("nothing changed");
            return static_cast<int>(Exit::Refused);
        }
        if (m.ids.empty()) {
            out("nothing to revert");
            return static_cast<int>(Exit::Ok);
        }
        auto mon = c.mon(d);
        if (auto why = check_fit(c, mon, m.ids, d); !why.empty()) {
            for (const auto& w : why) err("refused: " + w);
            err("nothing changed");
            return static_cast<int>(Exit::Refused);
        }
        m.saved_path = save_cib(o, "revert", cib);
        out(fmt::format("saved the CIB to {}", m.saved_path));
        m.back_doc = cib;
        m.to_doc = saved;
        return perform(c, o, m, cib, mon);
    });
}

}  // namespace ocfkit::adopt
