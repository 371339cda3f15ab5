// libFuzzer target: the area-expression parser and the postcode index.
// Invariants: only invalid_input escapes; a parsed expression prints back to
// text that parses to the same expression; the index agrees with the
// brute-force matcher.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"
#include "outagedesk/domain/postcode_index.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace outagedesk::domain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    // Lines are expressions; the last line is a postcode to look up.
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::string probe = lines.back();
    lines.pop_back();
    std::vector<area_expression> parsed;
    postcode_index index;
    for (std::uint32_t i = 0; i < lines.size(); ++i) {
        try {
            auto area = parse_area(lines[i]);
            if (!(parse_area(area.text()) == area)) std::abort();
            index.add(i, area);
            parsed.push_back(area);
        } catch (const invalid_input&) {
        }
    }
    try {
        parse_areas(lines);
    } catch (const invalid_input&) {
    }
    index.build();
    if (auto postcode = normalise_postcode(probe)) {
        auto found = index.match(*postcode);
        bool any = !found.empty();
        if (any != areas_match(parsed, *postcode)) std::abort();
    }
    return 0;
}
