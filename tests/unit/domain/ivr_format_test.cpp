#include "outagedesk/domain/ivr_format.hpp"

#include <catch2/catch.hpp>

#include <string>

using outagedesk::domain::to_ssml;
using outagedesk::domain::to_twiml;
using outagedesk::domain::to_voicexml;
using outagedesk::domain::xml_escape;

namespace {
const std::string declaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";
}

TEST_CASE("xml_escape escapes the five markup characters") {
    struct row {
        const char* in;
        const char* out;
    };
    const auto rows = {
        row{"", ""},
        row{"plain", "plain"},
        row{"<&>\"'", "&lt;&amp;&gt;&quot;&apos;"},
        row{"AT&T <b>", "AT&amp;T &lt;b&gt;"},
        row{"&amp;", "&amp;amp;"},
        row{"Chamartín, 18:30 €", "Chamartín, 18:30 €"},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        CHECK(xml_escape(r.in) == r.out);
    }
}

TEST_CASE("xml_escape keeps the document well-formed whatever the bytes") {
    CHECK(xml_escape(std::string("a\0b\x01\x1F", 5)) == "ab");
    CHECK(xml_escape("tab\tnew\nline\r") == "tab\tnew\nline\r");
    CHECK(xml_escape("bad \xFF byte") == "bad \xEF\xBF\xBD byte");
    CHECK(xml_escape("cut \xC3") == "cut \xEF\xBF\xBD");
    CHECK(xml_escape("overlong \xC0\xAF") == "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(xml_escape("surrogate \xED\xA0\x80") == "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(xml_escape("nonchar \xEF\xBF\xBF!") == "nonchar !");
    CHECK(xml_escape("emoji \xF0\x9F\x93\xA1") == "emoji \xF0\x9F\x93\xA1");
}

TEST_CASE("ssml wraps each paragraph in p with the platform's language tag") {
    CHECK(to_ssml("Hay una avería.", "es") ==
          declaration +
              R"(<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="es-ES">)"
              "<p>Hay una avería.</p></speak>");
    CHECK(to_ssml("First line\nsame paragraph.\n\n  \r\nSecond.\r\n", "en") ==
          declaration +
              R"(<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-GB">)"
              "<p>First line same paragraph.</p><p>Second.</p></speak>");
    CHECK(to_ssml("", "pt-BR") ==
          declaration +
              R"(<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="pt-BR"></speak>)");
}

TEST_CASE("voicexml speaks the text from a form block prompt") {
    CHECK(to_voicexml("Hay una avería.\n\nGracias.", "es") ==
          declaration +
              R"(<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xml:lang="es-ES">)"
              "<form><block><prompt><p>Hay una avería.</p><p>Gracias.</p></prompt></block></form></vxml>");
}

TEST_CASE("twiml says each paragraph in the platform's language") {
    CHECK(to_twiml("Hay una avería.", "es") ==
          declaration + R"(<Response><Say language="es-ES">Hay una avería.</Say></Response>)");
    CHECK(to_twiml("One.\n\nTwo.", "en") ==
          declaration +
              R"(<Response><Say language="en-GB">One.</Say><Say language="en-GB">Two.</Say></Response>)");
    CHECK(to_twiml(" \n ", "en") == declaration + "<Response></Response>");
}

TEST_CASE("every xml format escapes text and language alike") {
    const std::string text = R"(Fibre <cut> & "outage" in O'Brien St)";
    const std::string escaped = "Fibre &lt;cut&gt; &amp; &quot;outage&quot; in O&apos;Brien St";
    const std::string lang = R"(x"><evil/>)";
    const std::string lang_escaped = "x&quot;&gt;&lt;evil/&gt;";

    const std::string ssml = to_ssml(text, lang);
    const std::string vxml = to_voicexml(text, lang);
    const std::string twiml = to_twiml(text, lang);
    CHECK(ssml == declaration + R"(<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang=")" +
                      lang_escaped + "\"><p>" + escaped + "</p></speak>");
    CHECK(vxml == declaration + R"(<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xml:lang=")" +
                      lang_escaped + "\"><form><block><prompt><p>" + escaped +
                      "</p></prompt></block></form></vxml>");
    CHECK(twiml == declaration + "<Response><Say language=\"" + lang_escaped + "\">" + escaped +
                       "</Say></Response>");
    for (const auto& doc : {ssml, vxml, twiml}) {
        CHECK(doc.find("<cut>") == std::string::npos);
        CHECK(doc.find("<evil") == std::string::npos);
    }
}
