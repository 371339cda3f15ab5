#pragma once
// CSV as billing systems export it (RFC 4180: comma-separated, fields in
// double quotes may hold commas, line breaks and doubled quotes; CRLF or LF
// line ends), and the customer registry's CSV layout on top of it: a header
// row names the columns in any order, each later record is one customer.
// Errors are per record and carry the physical line the record starts on
// (the header being line 1), so an import can reject one row and keep the
// rest. Pure: it reads a string it is given, never a file or the store.
#include "outagedesk/domain/customer.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

struct csv_record {
    std::size_t line = 0;  // where the record starts, 1-based
    std::vector<std::string> fields;
    std::string error;  // non-empty: the record is malformed and its fields are not usable
};

// Reads records one by one from text held by the caller. A UTF-8 byte order
// mark at the start is skipped, and so are empty lines. A malformed record
// (a quote inside an unquoted field, text after a closing quote, a quoted
// field never closed) is returned with `error` set; reading resumes at the
// next line.
class csv_reader {
public:
    explicit csv_reader(std::string_view text);
    // False at the end of the text. `out` is overwritten (its storage reused).
    bool next(csv_record& out);
    // Bytes consumed so far, for progress reports.
    std::size_t offset() const noexcept { return pos_; }

private:
    void skip_line();
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

// Encodes one field for CSV output: quoted when it holds a comma, a quote, a
// line break or surrounding spaces.
std::string csv_escape(std::string_view field);

// The columns a customer CSV may have. The header must name id and postcode;
// the others are optional and any order is fine.
enum class customer_column {
    id,
    phone,
    email,
    postcode,
    language,
    services,
    preferred_channel,
    monthly_fee_cents,
    avg_bill_3m_cents,
    tariff,
    consent,
};

struct customer_csv_layout {
    std::vector<customer_column> columns;  // in file order
};

// Header names are matched without surrounding spaces and case. An unknown
// or repeated column, or a missing id or postcode, is an error for the whole
// file: throws invalid_input with field "header".
customer_csv_layout parse_customer_header(const std::vector<std::string>& header);

// One record → the fields make_customer validates. Empty cells mean "not
// given"; services are names joined by '|' (an empty cell: none stated);
// consent is true/false, 1/0 or yes/no. Throws invalid_input naming the
// column for a wrong field count or an unreadable number or flag.
customer_fields customer_fields_from_csv(const customer_csv_layout& layout, const std::vector<std::string>& fields);

}  // namespace outagedesk::domain
