// ocfkit-mangen: turns an agent's OCF meta-data (1.0 or 1.1 dialect) into a section 7 man page.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace {

struct Options {
    std::string provider = "custom";
    std::string ocf_root = "/usr/lib/ocf";
    std::string version;
    std::string date;
    std::string input;
    std::string output;
};

[[noreturn]] void die(const std::string& message) {
    std::cerr << "ocfkit-mangen: " << message << '\n';
    std::exit(1);
}

// Text for roff: backslashes, dashes (so commands and options copy as typed) and anything
// outside ASCII as \[uXXXX], so the page needs no input encoding.
std::string escape(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            // Decode one UTF-8 sequence; a malformed byte becomes U+FFFD.
            unsigned cp = 0xFFFD;
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (len > 1 && i + len <= text.size()) {
                cp = c & (0x7F >> len);
                for (size_t k = 1; k < len; ++k) {
                    const auto cc = static_cast<unsigned char>(text[i + k]);
                    if ((cc & 0xC0) != 0x80) {
                        cp = 0xFFFD;
                        len = 1;
                        break;
                    }
                    cp = (cp << 6) | (cc & 0x3F);
                }
            } else {
                len = 1;
            }
            i += len - 1;
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\[u%04X]", cp);
            out += buf;
        }
    }
    return out;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

// One text line of a paragraph; a leading '.' or '\'' would be read as a request.
std::string text_line(std::string_view line) {
    std::string escaped = escape(trim(line));
    if (!escaped.empty() && (escaped[0] == '.' || escaped[0] == '\'')) escaped.insert(0, "\\&");
    return escaped;
}

// A description: blank lines separate paragraphs (started with `para`), single newlines break
// the line, as the agents write their long descriptions. `lead` starts the first paragraph too.
void write_text(std::ostream& out, std::string_view text, std::string_view para, bool lead) {
    std::istringstream lines{std::string(text)};
    std::string line;
    bool in_paragraph = false;
    bool pending_break = false;
    bool first = !lead;
    while (std::getline(lines, line)) {
        const auto t = text_line(line);
        if (t.empty()) {
            if (in_paragraph) pending_break = true;
            in_paragraph = false;
            continue;
        }
        if (!in_paragraph) {
            if (!first || pending_break) out << para << '\n';
            in_paragraph = true;
            pending_break = false;
        } else {
            out << ".br\n";
        }
        first = false;
        out << t << '\n';
    }
}

std::string child_text(const pugi::xml_node& node, const char* name) {
    // Prefer English, take the first otherwise.
    for (auto c : node.children(name)) {
        if (std::string_view(c.attribute("lang").as_string("en")) == "en") return c.text().as_string();
    }
    return node.child(name).text().as_string();
}

std::string today(const std::string& given) {
    if (!given.empty()) return given;
    std::time_t when = std::time(nullptr);
    // Reproducible builds (dpkg-buildpackage, rpmbuild) give the date of the release.
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
        when = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::string upper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// An example value for a required parameter in the pcs example.
std::string example_value(const pugi::xml_node& param) {
    const auto content = param.child("content");
    if (const auto def = content.attribute("default"); def && *def.value()) return def.value();
    const std::string_view type = content.attribute("type").as_string("string");
    if (type == "select" && content.child("option")) return content.child("option").attribute("value").value();
    if (type == "integer") return "1";
    if (type == "boolean") return "true";
    return std::string("<") + param.attribute("name").value() + ">";
}

void write_page(std::ostream& out, const pugi::xml_node& ra, const Options& opt) {
    const std::string agent = ra.attribute("name").value();
    if (agent.empty()) die("resource-agent has no name attribute");
    const std::string page = "ocf_" + opt.provider + "_" + agent;
    const std::string shortdesc = trim(child_text(ra, "shortdesc"));
    const std::string source = opt.version.empty() ? "ocfkit" : "ocfkit " + opt.version;

    out << ".\\\" Generated by ocfkit-mangen from the meta-data of " << agent << "; do not edit.\n";
    out << ".TH " << escape(upper(page)) << " 7 \"" << today(opt.date) << "\" \"" << escape(source)
        << "\" \"OCF resource agents\"\n";
    // Parameter names, paths and commands must not be hyphenated or stretched.
    out << ".nh\n.ad l\n";
    out << ".SH NAME\n" << escape(page) << " \\- " << escape(shortdesc.empty() ? agent : shortdesc) << '\n';

    const auto actions = ra.child("actions");
    std::vector<std::string> action_names;
    for (auto a : actions.children("action")) {
        const std::string name = a.attribute("name").value();
        bool seen = false;
        for (const auto& n : action_names) seen = seen || n == name;
        if (!seen && !name.empty()) action_names.push_back(name);
    }
    out << ".SH SYNOPSIS\n.B " << escape(agent) << '\n';
    if (!action_names.empty()) {
        out << "[\\fB";
        for (size_t i = 0; i < action_names.size(); ++i) out << (i ? "\\fR | \\fB" : "") << escape(action_names[i]);
        out << "\\fR]\n";
    }
    out << ".PP\nInstalled as\n.I " << escape(opt.ocf_root) << "/resource.d/" << escape(opt.provider) << '/'
        << escape(agent) << "\nand referred to by Pacemaker as\n.BR ocf:" << escape(opt.provider) << ':'
        << escape(agent) << " .\n";

    out << ".SH DESCRIPTION\n";
    write_text(out, child_text(ra, "longdesc"), ".PP", false);

    const auto params = ra.child("parameters");
    if (params.child("parameter")) {
        out << ".SH SUPPORTED PARAMETERS\n";
        for (auto p : params.children("parameter")) {
            const std::string name = p.attribute("name").value();
            const auto content = p.child("content");
            // The name alone on its line (greppable, like an option list), the text indented below.
            out << ".PP\n.B " << escape(name) << "\n.RS 4\n";
            const std::string sd = trim(child_text(p, "shortdesc"));
            if (!sd.empty()) out << text_line(sd) << '\n';
            const std::string ld = child_text(p, "longdesc");
            if (!trim(ld).empty() && trim(ld) != sd) write_text(out, ld, ".PP", !sd.empty());
            if (!sd.empty() || !trim(ld).empty()) out << ".PP\n";
            // Facts as one line: type, default, and the flags Pacemaker acts on.
            std::vector<std::string> facts;
            std::string type = content.attribute("type").as_string("string");
            if (type == "select") {
                std::string values;
                for (auto o : content.children("option"))
                    values += (values.empty() ? "" : ", ") + std::string(o.attribute("value").value());
                type = "one of: " + values;
            }
            facts.push_back("Type: " + escape(type));
            if (const auto def = content.attribute("default"); def) {
                facts.push_back(*def.value() ? "default: \\fI" + escape(def.value()) + "\\fR" : "default: empty");
            }
            if (p.attribute("required").as_bool()) facts.push_back("\\fBrequired\\fR");
            if (const auto group = p.attribute("unique-group"); group && *group.value())
                facts.push_back("unique in the cluster (group " + escape(group.value()) + ")");
            else if (p.attribute("unique").as_bool())
                facts.push_back("unique in the cluster");
            if (p.attribute("reloadable").as_bool()) facts.push_back("changes apply without a restart (reload\\-agent)");
            if (const auto dep = p.child("deprecated"); dep) {
                std::string what = "deprecated";
                if (const auto r = dep.child("replaced-with"); r)
                    what += ", use \\fB" + escape(r.attribute("name").value()) + "\\fR";
                facts.push_back(what);
            }
            for (size_t i = 0; i < facts.size(); ++i) out << facts[i] << (i + 1 < facts.size() ? "; " : ".\n");
            out << ".RE\n";
        }
    }

    if (actions.child("action")) {
        out << ".SH SUPPORTED ACTIONS\n";
        out << "Defaults for the operations; set others in the resource's operations.\n";
        for (auto a : actions.children("action")) {
            out << ".TP\n.B " << escape(a.attribute("name").value()) << '\n';
            std::vector<std::string> facts;
            for (const char* attr : {"timeout", "interval", "depth", "role", "start-delay"}) {
                if (const auto v = a.attribute(attr); v && *v.value())
                    facts.push_back(std::string(attr) + " " + escape(v.value()));
            }
            for (size_t i = 0; i < facts.size(); ++i) out << facts[i] << (i + 1 < facts.size() ? ", " : "\n");
            if (facts.empty()) out << "(no defaults)\n";
        }
    }

    bool promotable = false;
    for (const auto& n : action_names) promotable = promotable || n == "promote";
    std::string example = "pcs resource create my\\-" + escape(agent) + " ocf:" + escape(opt.provider) + ":" +
                          escape(agent);
    for (auto p : params.children("parameter")) {
        if (p.attribute("required").as_bool())
            example += " " + escape(p.attribute("name").value()) + "=" + escape(example_value(p));
    }
    if (promotable) example += " promotable";
    out << ".SH EXAMPLE\nA resource with its required parameters, created with\n.BR pcs (8):\n"
           ".PP\n.RS 4\n.nf\n"
        << example << "\n.fi\n.RE\n";
    out << ".PP\nThe agent's own description of itself, as Pacemaker reads it:\n.PP\n.RS 4\n.nf\n"
        << "crm_resource \\-\\-show\\-metadata ocf:" << escape(opt.provider) << ':' << escape(agent)
        << "\n.fi\n.RE\n";

    out << ".SH SEE ALSO\n.BR pcs (8),\n.BR crm_resource (8),\n.BR ocf\\-tester (8)\n";
    out << ".SH AUTHOR\nocfkit developers\n";
}

Options parse_args(int argc, char** argv) {
    Options opt;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--provider") opt.provider = value();
        else if (arg == "--version") opt.version = value();
        else if (arg == "--ocf-root") opt.ocf_root = value();
        else if (arg == "--date") opt.date = value();
        else if (arg.starts_with("--")) die("unknown option " + std::string(arg));
        else positional.emplace_back(arg);
    }
    if (positional.size() != 2)
        die("usage: ocfkit-mangen [--provider P] [--ocf-root DIR] [--version V] [--date YYYY-MM-DD] META-DATA.xml OUTPUT.7");
    opt.input = positional[0];
    opt.output = positional[1];
    return opt;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);
    pugi::xml_document doc;
    // The DOCTYPE's external DTD is not loaded; only the elements matter here.
    const auto parsed = doc.load_file(opt.input.c_str(), pugi::parse_default | pugi::parse_doctype);
    if (!parsed) die(opt.input + ": " + parsed.description() + " at offset " + std::to_string(parsed.offset));
    const auto ra = doc.child("resource-agent");
    if (!ra) die(opt.input + ": no <resource-agent> element");

    std::ostringstream page;
    write_page(page, ra, opt);
    std::ofstream out(opt.output, std::ios::binary | std::ios::trunc);
    out << page.str();
    out.close();
    if (!out) die("cannot write " + opt.output);
    return 0;
}
