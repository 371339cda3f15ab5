// libFuzzer target: the customer CSV reader and row decoder. Any bytes yield
// records or per-row refusals (invalid_input), never a crash.
#include "outagedesk/domain/csv.hpp"
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/domain/errors.hpp"

#include <cstdint>
#include <string>

using namespace outagedesk::domain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    csv_reader reader(text);
    csv_record record;
    std::optional<customer_csv_layout> layout;
    int rows = 0;
    try {
        while (reader.next(record) && ++rows < 10000) {
            if (!layout) {
                layout = parse_customer_header(record.fields);
                continue;
            }
            try {
                make_customer(customer_fields_from_csv(*layout, record.fields), "34", "es");
            } catch (const invalid_input&) {
            }
        }
    } catch (const invalid_input&) {
    }
    return 0;
}
