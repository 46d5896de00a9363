// `check --html` (checker/src/explain_html.cpp): a history with times is drawn against
// real time, with a time axis; one without keeps the order of its events. (Here because
// the viz work asked for it; it needs only the checker.)
#include <doctest/doctest.h>

#include <checker/checker.hpp>
#include <string>
#include <vector>

namespace ck = faultline::checker;

namespace {

// put x 1 over [0, 1] s, get x -> 1 over [1.5, 2] s, put x 2 over [9, 10] s.
ck::History three_ops(bool timed) {
  ck::HistoryBuilder b;
  auto at = [timed](double seconds) {
    return timed ? std::optional<std::int64_t>(static_cast<std::int64_t>(seconds * 1e9))
                 : std::nullopt;
  };
  REQUIRE_FALSE(b.invoke(0, "put", "x", "1", at(0)));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, "1", at(1)));
  REQUIRE_FALSE(b.invoke(1, "get", "x", nullptr, at(1.5)));
  REQUIRE_FALSE(b.complete(1, ck::Outcome::ok, "1", at(2)));
  REQUIRE_FALSE(b.invoke(0, "put", "x", "2", at(9)));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, "2", at(10)));
  return std::move(b).finish();
}

// Each operation's bar as (left, right), in the order the page draws them. (Read by hand:
// std::regex trips a false uninitialised warning in the sanitizer build.)
std::vector<std::pair<double, double>> bars(const std::string& html) {
  std::vector<std::pair<double, double>> out;
  const std::string open = "<rect x=\"", width = "width=\"";
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const double x = std::stod(html.substr(at + open.size()));
    const std::size_t w = html.find(width, at);
    out.emplace_back(x, x + std::stod(html.substr(w + width.size())));
  }
  return out;
}

std::string page(bool timed) {
  const ck::History h = three_ops(timed);
  auto model = ck::make_model("kv");
  REQUIRE(model.ok());
  auto result = ck::check(h, **model);
  REQUIRE(result.ok());
  REQUIRE(result->verdict == ck::Verdict::linearizable);
  return ck::explain_html(h, **model, *result, "three ops");
}

}  // namespace

TEST_CASE("check --html: a history with times is drawn against real time, with a time axis") {
  const std::string html = page(true);
  const auto b = bars(html);
  REQUIRE(b.size() == 3);
  const double second = (b[0].second - b[0].first);  // the first op took 1 s
  CHECK(second > 10);
  CHECK(b[1].first - b[0].second == doctest::Approx(0.5 * second).epsilon(0.01));
  CHECK(b[2].first - b[1].second == doctest::Approx(7 * second).epsilon(0.01));
  CHECK(b[2].second - b[2].first == doctest::Approx(second).epsilon(0.01));
  CHECK(html.find("class=\"tick\"") != std::string::npos);
  CHECK(html.find(">10s</text>") != std::string::npos);
}

TEST_CASE("check --html: a history without times keeps the order of its events") {
  const std::string html = page(false);
  const auto b = bars(html);
  REQUIRE(b.size() == 3);
  CHECK(b[1].first - b[0].second == doctest::Approx(b[2].first - b[1].second));
  CHECK(html.find("class=\"tick\"") == std::string::npos);
}
