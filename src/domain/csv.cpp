#include "outagedesk/domain/csv.hpp"

#include "outagedesk/domain/errors.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace outagedesk::domain {

namespace {

constexpr std::array<std::pair<std::string_view, customer_column>, 11> column_names{{
    {"id", customer_column::id},
    {"phone", customer_column::phone},
    {"email", customer_column::email},
    {"postcode", customer_column::postcode},
    {"language", customer_column::language},
    {"services", customer_column::services},
    {"preferred_channel", customer_column::preferred_channel},
    {"monthly_fee_cents", customer_column::monthly_fee_cents},
    {"avg_bill_3m_cents", customer_column::avg_bill_3m_cents},
    {"tariff", customer_column::tariff},
    {"consent", customer_column::consent},
}};

std::string_view name_of(customer_column c) {
    for (const auto& [name, column] : column_names)
        if (column == c) return name;
    return "?";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<std::string> text_cell(std::string_view cell) {
    cell = trim(cell);
    if (cell.empty()) return std::nullopt;
    return std::string(cell);
}

std::optional<std::int64_t> integer_cell(std::string_view cell, customer_column column) {
    cell = trim(cell);
    if (cell.empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size())
        throw invalid_input(std::string(name_of(column)),
                            std::string(name_of(column)) + " must be a whole number of cents, not '" +
                                std::string(cell.substr(0, 40)) + "'");
    return value;
}

std::optional<bool> flag_cell(std::string_view cell) {
    const auto text = lower(trim(cell));
    if (text.empty()) return std::nullopt;
    if (text == "true" || text == "1" || text == "yes") return true;
    if (text == "false" || text == "0" || text == "no") return false;
    throw invalid_input("consent", "consent must be true or false (or 1/0, yes/no)");
}

std::vector<std::string> services_cell(std::string_view cell) {
    std::vector<std::string> out;
    cell = trim(cell);
    while (!cell.empty()) {
        const auto bar = cell.find('|');
        const auto name = trim(cell.substr(0, bar));
        if (!name.empty()) out.emplace_back(name);
        if (bar == std::string_view::npos) break;
        cell.remove_prefix(bar + 1);
    }
    return out;
}

}  // namespace

csv_reader::csv_reader(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

void csv_reader::skip_line() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
        ++pos_;
        ++line_;
    }
}

bool csv_reader::next(csv_record& out) {
    // Empty lines separate nothing; skip them.
    while (pos_ < text_.size() && (text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n'))) {
        pos_ += text_[pos_] == '\r' ? 2 : 1;
        ++line_;
    }
    if (pos_ >= text_.size()) return false;
    out.line = line_;
    out.error.clear();
    std::size_t used = 0;
    auto next_field = [&]() -> std::string& {
        if (used == out.fields.size()) out.fields.emplace_back();
        auto& field = out.fields[used++];
        field.clear();
        return field;
    };
    auto fail = [&](std::string why) {
        out.error = std::move(why);
        out.fields.resize(used);
        skip_line();
        return true;
    };
    for (;;) {
        auto& field = next_field();
        if (pos_ < text_.size() && text_[pos_] == '"') {
            const std::size_t opened_line = line_;
            ++pos_;
            for (;;) {
                const auto quote = text_.find('"', pos_);
                if (quote == std::string_view::npos) {
                    for (; pos_ < text_.size(); ++pos_)
                        if (text_[pos_] == '\n') ++line_;
                    out.error = "a quoted field opened on line " + std::to_string(opened_line) + " is never closed";
                    out.fields.resize(used);
                    return true;
                }
                for (std::size_t i = pos_; i < quote; ++i)
                    if (text_[i] == '\n') ++line_;
                field.append(text_.substr(pos_, quote - pos_));
                pos_ = quote + 1;
                if (pos_ < text_.size() && text_[pos_] == '"') {
                    field.push_back('"');
                    ++pos_;
                    continue;
                }
                break;
            }
            if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
                !(text_[pos_] == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n')))
                return fail("unexpected text after a closing quote");
        } else {
            const auto end = text_.find_first_of(",\n\"", pos_);
            const auto stop = end == std::string_view::npos ? text_.size() : end;
            field.assign(text_.substr(pos_, stop - pos_));
            pos_ = stop;
            if (pos_ < text_.size() && text_[pos_] == '"') return fail("a quote inside an unquoted field (quote the whole field and double the quote)");
            if (!field.empty() && field.back() == '\r' && (pos_ == text_.size() || text_[pos_] == '\n')) field.pop_back();
        }
        if (pos_ >= text_.size()) break;
        if (text_[pos_] == ',') {
            ++pos_;
            if (pos_ >= text_.size()) {
                next_field();  // a trailing comma ends with an empty field
                break;
            }
            continue;
        }
        if (text_[pos_] == '\r') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\n') {
            ++pos_;
            ++line_;
        }
        break;
    }
    out.fields.resize(used);
    return true;
}

std::string csv_escape(std::string_view field) {
    const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                       (!field.empty() && (field.front() == ' ' || field.back() == ' '));
    if (!quote) return std::string(field);
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

customer_csv_layout parse_customer_header(const std::vector<std::string>& header) {
    customer_csv_layout layout;
    bool has_id = false, has_postcode = false;
    for (const auto& raw : header) {
        const auto name = lower(trim(raw));
        std::optional<customer_column> found;
        for (const auto& [known, column] : column_names)
            if (known == name) found = column;
        if (!found) {
            std::string known_list;
            for (const auto& [known, column] : column_names) known_list += (known_list.empty() ? "" : ", ") + std::string(known);
            throw invalid_input("header", "unknown column '" + std::string(trim(raw)).substr(0, 60) + "'; known: " + known_list);
        }
        for (auto seen : layout.columns)
            if (seen == *found) throw invalid_input("header", "column '" + name + "' appears twice");
        has_id = has_id || *found == customer_column::id;
        has_postcode = has_postcode || *found == customer_column::postcode;
        layout.columns.push_back(*found);
    }
    if (!has_id) throw invalid_input("header", "the header must name an id column");
    if (!has_postcode) throw invalid_input("header", "the header must name a postcode column");
    return layout;
}

customer_fields customer_fields_from_csv(const customer_csv_layout& layout, const std::vector<std::string>& fields) {
    if (fields.size() != layout.columns.size())
        throw invalid_input("row", "expected " + std::to_string(layout.columns.size()) + " fields as in the header, found " +
                                       std::to_string(fields.size()));
    customer_fields out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string_view cell = fields[i];
        switch (layout.columns[i]) {
            case customer_column::id: out.id = std::string(trim(cell)); break;
            case customer_column::phone: out.phone = text_cell(cell); break;
            case customer_column::email: out.email = text_cell(cell); break;
            case customer_column::postcode: out.postcode = text_cell(cell); break;
            case customer_column::language: out.language = text_cell(cell); break;
            case customer_column::services: out.services = services_cell(cell); break;
            case customer_column::preferred_channel: out.preferred_channel = text_cell(cell); break;
            case customer_column::monthly_fee_cents:
                out.monthly_fee_cents = integer_cell(cell, customer_column::monthly_fee_cents);
                break;
            case customer_column::avg_bill_3m_cents:
                out.avg_bill_3m_cents = integer_cell(cell, customer_column::avg_bill_3m_cents);
                break;
            case customer_column::tariff: out.tariff = std::string(trim(cell)); break;
            case customer_column::consent: out.consent = flag_cell(cell); break;
        }
    }
    return out;
}

}  // namespace outagedesk::domain
