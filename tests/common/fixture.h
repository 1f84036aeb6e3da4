// Golden fixtures from tests/data (OCFKIT_TEST_DATA, set by meson's test_env), shared by the
// parser and agent tests.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ocfkit::test {

// OCFKIT_TEST_DATA, else tests/data (a test binary run by hand from the source root).
inline std::string data_dir()
{
    const char* dir = std::getenv("OCFKIT_TEST_DATA");
    return dir && *dir ? dir : "tests/data";
}

// The whole file tests/data/<relative>; throws (failing the test) when it cannot be read.
inline std::string read_fixture(const std::string& relative)
{
    std::string path = data_dir() + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open fixture " + path + " (OCFKIT_TEST_DATA=" + data_dir() + ")");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Lines of a manifest file, without blank lines and '#' comments.
inline std::vector<std::string> read_manifest(const std::string& relative)
{
    std::istringstream in(read_fixture(relative));
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
        if (!line.empty()) names.push_back(line);
    }
    return names;
}

// A MANIFEST expectation: "ok", "error" (a ParseError on any line) or "error LINE".
struct Expectation {
    bool ok = true;
    std::size_t line = 0;  // 0: any line
};

inline Expectation parse_expectation(const std::string& text)
{
    if (text == "ok") return {};
    if (text.rfind("error", 0) != 0) throw std::runtime_error("bad MANIFEST expectation: " + text);
    Expectation e{false, 0};
    if (text.size() > 6) e.line = std::stoul(text.substr(6));
    return e;
}

// Calls `check(name, text, expectation)` for every *.xml / *.txt / *.json file in
// tests/data/<topic>. The expectation ("ok", "error", ...) is the second word of the file's line
// in <topic>/MANIFEST; files not listed there (e.g. new captures) default to "ok", so they are at
// least checked to parse. A MANIFEST line naming a missing file is an error. Returns the count.
inline std::size_t for_each_fixture(const std::string& topic,
    const std::function<void(const std::string&, const std::string&, const std::string&)>& check)
{
    std::map<std::string, std::string> expectations;
    for (const auto& line : read_manifest(topic + "/MANIFEST")) {
        auto space = line.find_first_of(" \t");
        std::string name = line.substr(0, space);
        std::string expect = "ok";
        if (space != std::string::npos) {
            auto start = line.find_first_not_of(" \t", space);
            if (start != std::string::npos) expect = line.substr(start);
        }
        if (!std::filesystem::exists(data_dir() + "/" + topic + "/" + name))
            throw std::runtime_error(topic + "/MANIFEST names a missing file: " + name);
        expectations[name] = expect;
    }
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir() + "/" + topic)) {
        auto ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".xml" || ext == ".txt" || ext == ".json"))
            names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        auto it = expectations.find(name);
        check(name, read_fixture(topic + "/" + name), it == expectations.end() ? "ok" : it->second);
    }
    return names.size();
}

}  // namespace ocfkit::test
