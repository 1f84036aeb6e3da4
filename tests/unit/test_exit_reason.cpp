// Fitting an exit reason into the 128 bytes Pacemaker keeps of it.
#include "catch.h"
#include <string>

#include "ocfkit/exit_code.h"

using namespace ocfkit;

namespace {

// Every multi-byte sequence whole (lead byte followed by its continuation bytes).
bool valid_utf8(const std::string& s)
{
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

std::string words(std::size_t bytes)
{
    std::string s;
    for (int i = 0; s.size() < bytes; ++i) s += (s.empty() ? "" : " ") + std::string("word") + std::to_string(i);
    return s.substr(0, bytes);
}

}  // namespace

TEST_CASE("a reason that fits is kept as it is", "[exit-reason]")
{
    CHECK(fit_exit_reason("parameter 'config': /x.xml does not exist") == "parameter 'config': /x.xml does not exist");
    std::string exact = words(kExitReasonMax);
    REQUIRE(exact.size() == 128);
    CHECK(fit_exit_reason(exact) == exact);
    CHECK(fit_exit_reason("") == "");
}

TEST_CASE("a longer reason keeps its start, ends at a word and says it is shortened", "[exit-reason]")
{
    std::string full = words(129);
    std::string fitted = fit_exit_reason(full);
    CHECK(fitted.size() <= kExitReasonMax);
    REQUIRE(fitted.ends_with(kExitReasonShortened));
    std::string kept = fitted.substr(0, fitted.size() - kExitReasonShortened.size());
    CHECK(full.starts_with(kept));
    CHECK(full[kept.size()] == ' ');     // the next word was left out whole
    CHECK(kept.size() >= 122 * 3 / 4);  // and not much room wasted

    std::string long_one = "parameter 'migrate_options': " + words(400);
    std::string f2 = fit_exit_reason(long_one);
    CHECK(f2.size() <= kExitReasonMax);
    CHECK(f2.starts_with("parameter 'migrate_options': word0 word1"));
}

TEST_CASE("no dangling separator before the marker", "[exit-reason]")
{
    // The word boundary falls right after "value:"; the colon goes with the cut.
    std::string head(110, 'a');
    std::string fitted = fit_exit_reason(head + " value: " + std::string(40, 'b'));
    CHECK(fitted == head + " value" + std::string(kExitReasonShortened));
}

TEST_CASE("one long word is cut at a character boundary, UTF-8 whole", "[exit-reason]")
{
    std::string path = "/dev/disk/by-id/" + std::string(200, 'x');
    std::string fitted = fit_exit_reason(path);
    CHECK(fitted.size() == kExitReasonMax);
    CHECK(fitted == path.substr(0, 122) + std::string(kExitReasonShortened));

    for (std::size_t offset = 0; offset < 4; ++offset) {
        std::string text = std::string(offset, 'a');
        while (text.size() < 300) text += "\xc3\xa4\xe2\x82\xac\xf0\x9f\x92\xa1";  // ä € and a 4-byte one
        std::string f = fit_exit_reason(text);
        INFO("offset " << offset);
        CHECK(f.size() <= kExitReasonMax);
        CHECK(f.size() >= kExitReasonMax - 3);
        CHECK(valid_utf8(f));
        CHECK(f.ends_with(kExitReasonShortened));
    }
}

TEST_CASE("the reason is one line", "[exit-reason]")
{
    CHECK(fit_exit_reason("first\nsecond\r\nthird") == "first second  third");
    std::string fitted = fit_exit_reason(words(100) + "\n" + words(100));
    CHECK(fitted.find('\n') == std::string::npos);
    CHECK(fitted.size() <= kExitReasonMax);
}

TEST_CASE("a custom limit is honoured", "[exit-reason]")
{
    CHECK(fit_exit_reason("alpha beta gamma delta", 16) == "alpha beta [...]");
    CHECK(fit_exit_reason("alpha beta gamma delta", 4).empty());
    CHECK(fit_exit_reason(std::string(300, 'z'), std::string::npos) == std::string(300, 'z'));
}
