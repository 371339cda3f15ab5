// Generates the benchmark's data set, deterministically (fixed seed):
//   OUT/customers.csv     N customers in the import CSV format, postcodes over the 52 real
//                         Spanish province prefixes weighted by population (capital-city
//                         codes PP001-PP060 and town codes PP100-PP999)
//   OUT/incidents.jsonl   one declare body per line (minor severity, so no notices), together
//                         holding AREAS area expressions: exact postcodes, 4-digit prefixes
//                         and ranges
//   OUT/ivr_postcodes.lua a Lua table of postcodes for wrk: half covered by an active area,
//                         half not
//   OUT/summary.txt       key=value lines: customers, notifiable (sms or email), covered
//                         customers, area expressions, incidents
// Usage: bench_gen_data N OUT_DIR [AREAS]
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

// Province postcode prefix and population in thousands (INE, rounded).
constexpr std::array<std::pair<int, int>, 52> provinces{{
    {1, 335},  {2, 386},  {3, 1900}, {4, 740},  {5, 158},  {6, 668},  {7, 1200}, {8, 5700}, {9, 357},
    {10, 389}, {11, 1250}, {12, 590}, {13, 492}, {14, 776}, {15, 1120}, {16, 196}, {17, 790}, {18, 920},
    {19, 270}, {20, 727}, {21, 525}, {22, 224}, {23, 627}, {24, 451}, {25, 440}, {26, 320}, {27, 326},
    {28, 6750}, {29, 1700}, {30, 1530}, {31, 660}, {32, 306}, {33, 1010}, {34, 160}, {35, 1130}, {36, 945},
    {37, 329}, {38, 1040}, {39, 585}, {40, 153}, {41, 1950}, {42, 89}, {43, 820}, {44, 134}, {45, 705},
    {46, 2590}, {47, 520}, {48, 1150}, {49, 169}, {50, 970}, {51, 83}, {52, 85},
}};

constexpr const char* services[] = {"mobile_voice", "mobile_data", "fixed_voice", "broadband", "tv"};

struct area {
    int kind;  // 0 exact, 1 prefix of 4 digits, 2 range
    int lo, hi;  // postcode numbers covered (inclusive)
    std::string text;
};

std::string postcode_text(int p) {
    char b[8];
    std::snprintf(b, sizeof b, "%05d", p);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_gen_data N OUT_DIR [AREAS]\n");
        return 2;
    }
    const long n = std::stol(argv[1]);
    const std::filesystem::path out = argv[2];
    const int area_count = argc > 3 ? std::stoi(argv[3]) : 300;
    std::filesystem::create_directories(out);
    std::mt19937_64 random(20261125);

    std::vector<double> weights;
    for (auto& p : provinces) weights.push_back(p.second);
    std::discrete_distribution<int> province(weights.begin(), weights.end());
    auto draw_postcode = [&] {
        const int prefix = provinces[static_cast<std::size_t>(province(random))].first;
        const int suffix = random() % 100 < 45 ? 1 + static_cast<int>(random() % 60) : 100 + static_cast<int>(random() % 900);
        return prefix * 1000 + suffix;
    };

    // Areas first: centred on postcodes drawn like customers', so they hit real neighbourhoods.
    std::vector<area> areas;
    std::vector<bool> covered(100000, false);
    for (int i = 0; i < area_count; ++i) {
        const int p = draw_postcode();
        area a;
        a.kind = i % 3;
        if (a.kind == 0) {
            a.lo = a.hi = p;
            a.text = postcode_text(p);
        } else if (a.kind == 1) {
            a.lo = p / 10 * 10;
            a.hi = a.lo + 9;
            a.text = postcode_text(p).substr(0, 4) + "*";
        } else {
            a.lo = p;
            a.hi = std::min(p / 1000 * 1000 + 999, p + 5 + static_cast<int>(random() % 20));
            a.text = postcode_text(a.lo) + ".." + postcode_text(a.hi);
        }
        for (int q = a.lo; q <= a.hi; ++q) covered[static_cast<std::size_t>(q)] = true;
        areas.push_back(a);
    }

    std::ofstream csv(out / "customers.csv", std::ios::binary);
    csv << "id,phone,email,postcode,language,services,preferred_channel,monthly_fee_cents,avg_bill_3m_cents,tariff\n";
    std::vector<int> seen_postcodes;
    std::set<int> distinct;
    long notifiable = 0, in_areas = 0;
    char line[320];
    std::string buffer;
    buffer.reserve(1 << 20);
    for (long i = 0; i < n; ++i) {
        const int p = draw_postcode();
        if (distinct.insert(p).second) seen_postcodes.push_back(p);
        std::string svc = services[random() % 5];
        if (random() % 2) {
            const char* other = services[random() % 5];
            if (svc != other) svc += std::string("|") + other;
        }
        const auto r = random() % 10;
        const char* channel = r < 7 ? "sms" : r < 9 ? "email" : "none";
        if (r < 9) ++notifiable;
        if (covered[static_cast<std::size_t>(p)]) ++in_areas;
        std::snprintf(line, sizeof line, "C%07ld,+346%08ld,c%ld@example.com,%05d,%s,%s,%s,%u,%u,Tarifa %ld\n", i, i, i, p,
                      random() % 5 == 0 ? "en" : "es", svc.c_str(), channel, static_cast<unsigned>(1000 + random() % 8000),
                      static_cast<unsigned>(1000 + random() % 11000), i % 7);
        buffer += line;
        if (buffer.size() > (1 << 20) - 400) {
            csv << buffer;
            buffer.clear();
        }
    }
    csv << buffer;
    csv.close();

    // Incidents of ten area expressions each.
    std::ofstream incidents(out / "incidents.jsonl");
    int incident_count = 0;
    for (std::size_t i = 0; i < areas.size(); i += 10) {
        std::string list;
        for (std::size_t j = i; j < std::min(areas.size(), i + 10); ++j) list += (list.empty() ? "\"" : ",\"") + areas[j].text + "\"";
        incidents << "{\"title\":\"Bench incident " << ++incident_count
                  << "\",\"severity\":\"minor\",\"areas\":[" << list
                  << "],\"messages\":{\"es\":{\"ivr\":\"Hay una incidencia en su zona. Estado: {{status}}.\","
                     "\"agent_script\":\"Incidencia {{ref}} en {{areas}}. Estado: {{status}}.\","
                     "\"status_page\":\"Incidencia en su zona.\"},"
                     "\"en\":{\"ivr\":\"There is an outage in your area. Status: {{status}}.\"}}}\n";
    }

    // IVR postcodes: customers' own postcodes, half covered and half not.
    std::vector<int> affected, unaffected;
    std::shuffle(seen_postcodes.begin(), seen_postcodes.end(), random);
    for (int p : seen_postcodes) (covered[static_cast<std::size_t>(p)] ? affected : unaffected).push_back(p);
    const std::size_t half = std::min<std::size_t>({500, affected.size(), unaffected.size()});
    std::ofstream lua(out / "ivr_postcodes.lua");
    lua << "return {";
    for (std::size_t i = 0; i < half; ++i) lua << "\"" << postcode_text(affected[i]) << "\",\"" << postcode_text(unaffected[i]) << "\",";
    lua << "}\n";

    std::ofstream summary(out / "summary.txt");
    summary << "customers=" << n << "\nnotifiable=" << notifiable << "\ncovered_customers=" << in_areas
            << "\nareas=" << areas.size() << "\nincidents=" << incident_count << "\nivr_postcodes=" << 2 * half
            << "\naffected_sample=" << postcode_text(affected.empty() ? 28001 : affected[0])
            << "\nunaffected_sample=" << postcode_text(unaffected.empty() ? 28001 : unaffected[0]) << "\n";
    std::printf("generated %ld customers (%ld notifiable, %ld in the %zu active areas), %d incidents\n", n, notifiable,
                in_areas, areas.size(), incident_count);
    return 0;
}
