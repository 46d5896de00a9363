// The rules of Figure 2, one handler at a time: put a node in a state, feed it one
// message or timeout, and check exactly what it sends and what it must store.
#include <doctest/doctest.h>

#include "raft_test_util.hpp"

using namespace faultline;
using namespace faultline::raft;
using testing::Bench;
using testing::log_of_terms;
using testing::put_entry;

constexpr Time kMin = 150 * sim::kMillisecond;

// ---------------------------------------------------------------- elections

TEST_CASE("raft node: a follower that hears nothing for an election timeout campaigns") {
  // Figure 2, Followers: convert to candidate; Candidates: increment currentTerm, vote for
  // self, reset the election timer, send RequestVote to all other servers.
  Bench b(0, 3, Restored{.term = 4, .entries = log_of_terms({1, 2, 4})});
  b.advance_to(kMin - 1);
  CHECK(b.node->role() == Role::follower);
  CHECK(b.pending() == 0);
  b.advance_to(kMin);
  CHECK(b.node->role() == Role::candidate);
  CHECK(b.node->term() == 5);
  CHECK(b.node->voted_for() == 0);
  CHECK(b.node->effects().hard_state_dirty);  // term and vote must reach the disk first
  CHECK(b.node->election_deadline() == kMin + kMin);
  auto votes = b.take<RequestVote>();
  REQUIRE(votes.size() == 2);
  CHECK(votes[0].first == 1);
  CHECK(votes[1].first == 2);
  for (auto& [to, m] : votes) {
    CHECK(m.term == 5);
    CHECK(m.last_log_index == 3);
    CHECK(m.last_log_term == 4);
    CHECK_FALSE(m.pre_vote);
  }
  CHECK(b.pending() == 0);
}

TEST_CASE("raft node: RequestVote is granted once per term, to an up-to-date log") {
  // Figure 2, RequestVote receiver: grant if votedFor is null or candidateId, and the
  // candidate's log is at least as up-to-date (§5.4.1).
  Bench b(0, 3, Restored{.term = 2, .entries = log_of_terms({1, 2})});
  b.node->on_request_vote(10, 1, RequestVote{.term = 3, .last_log_index = 2, .last_log_term = 2});
  CHECK(b.node->term() == 3);
  CHECK(b.node->voted_for() == 1);
  CHECK(b.node->effects().hard_state_dirty);
  CHECK(b.node->election_deadline() == 10 + kMin);  // granting a vote resets the timer
  auto r = b.take<RequestVoteReply>();
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 1);
  CHECK(r[0].second.term == 3);
  CHECK(r[0].second.granted);

  SUBCASE("the same candidate again: granted again (a duplicate)") {
    b.node->on_request_vote(11, 1, RequestVote{.term = 3, .last_log_index = 2, .last_log_term = 2});
    CHECK(b.take<RequestVoteReply>()[0].second.granted);
  }
  SUBCASE("another candidate in the same term: refused") {
    b.clear();
    b.node->on_request_vote(11, 2, RequestVote{.term = 3, .last_log_index = 9, .last_log_term = 2});
    auto r2 = b.take<RequestVoteReply>();
    CHECK_FALSE(r2[0].second.granted);
    CHECK(b.node->voted_for() == 1);
    CHECK_FALSE(b.node->effects().hard_state_dirty);
  }
  SUBCASE("a lower term: refused, with our term") {
    b.node->on_request_vote(11, 2, RequestVote{.term = 2, .last_log_index = 9, .last_log_term = 2});
    auto r2 = b.take<RequestVoteReply>();
    CHECK_FALSE(r2[0].second.granted);
    CHECK(r2[0].second.term == 3);
  }
}

TEST_CASE("raft node: the up-to-date check compares last terms first, then lengths") {
  // §5.4.1: a later last term wins; with the same last term, the longer log wins.
  Bench b(0, 3, Restored{.term = 3, .entries = log_of_terms({1, 1, 3})});
  SUBCASE("older last term, longer log: refused, but the term is adopted") {
    b.node->on_request_vote(1, 1, RequestVote{.term = 4, .last_log_index = 10, .last_log_term = 2});
    CHECK_FALSE(b.take<RequestVoteReply>()[0].second.granted);
    CHECK(b.node->term() == 4);  // §5.1: any higher term is adopted
    CHECK(b.node->voted_for() == kNoNode);
  }
  SUBCASE("same last term, shorter log: refused") {
    b.node->on_request_vote(1, 1, RequestVote{.term = 4, .last_log_index = 2, .last_log_term = 3});
    CHECK_FALSE(b.take<RequestVoteReply>()[0].second.granted);
  }
  SUBCASE("same last term, same length: granted") {
    b.node->on_request_vote(1, 1, RequestVote{.term = 4, .last_log_index = 3, .last_log_term = 3});
    CHECK(b.take<RequestVoteReply>()[0].second.granted);
  }
  SUBCASE("later last term, shorter log: granted") {
    b.node->on_request_vote(1, 1, RequestVote{.term = 4, .last_log_index = 1, .last_log_term = 4});
    CHECK(b.take<RequestVoteReply>()[0].second.granted);
  }
  SUBCASE("planted bug longer-log-wins: the longer log wins despite its older term") {
    Bench bug(0, 3, Restored{.term = 3, .entries = log_of_terms({1, 1, 3})},
              [](NodeConfig& c) { c.bugs.longer_log_wins = true; });
    bug.node->on_request_vote(1, 1,
                              RequestVote{.term = 4, .last_log_index = 10, .last_log_term = 2});
    CHECK(bug.take<RequestVoteReply>()[0].second.granted);
  }
}

TEST_CASE("raft node: a candidate with votes from a majority of distinct voters leads") {
  Bench b(0, 5);
  b.time_out();
  b.take<RequestVote>();
  const Term t = b.node->term();
  b.node->on_request_vote_reply(1, 1, RequestVoteReply{.term = t, .granted = true});
  // The same voter's reply, duplicated by the network, is one vote, not two.
  b.node->on_request_vote_reply(1, 1, RequestVoteReply{.term = t, .granted = true});
  CHECK(b.node->role() == Role::candidate);
  b.node->on_request_vote_reply(1, 2, RequestVoteReply{.term = t, .granted = false});
  CHECK(b.node->role() == Role::candidate);
  b.node->on_request_vote_reply(1, 3, RequestVoteReply{.term = t, .granted = true});
  CHECK(b.node->role() == Role::leader);
  // The new leader's first entry is a no-op of its term (§8), announced at once.
  CHECK(b.node->log().last_index() == 1);
  CHECK(b.node->log().at(1).kind == EntryKind::noop);
  CHECK(b.node->log().at(1).term == t);
  b.node->flush(1);
  auto appends = b.take<AppendEntries>();
  REQUIRE(appends.size() == 4);
  for (auto& [to, m] : appends) {
    CHECK(m.term == t);
    CHECK(m.prev_log_index == 0);
    CHECK(m.entries.size() == 1);
  }

  SUBCASE("planted bug count-votes-not-voters: a duplicated vote counts twice") {
    Bench bug(0, 5, {}, [](NodeConfig& c) { c.bugs.count_votes_not_voters = true; });
    bug.time_out();
    const Term bt = bug.node->term();
    bug.node->on_request_vote_reply(1, 1, RequestVoteReply{.term = bt, .granted = true});
    bug.node->on_request_vote_reply(1, 1, RequestVoteReply{.term = bt, .granted = true});
    CHECK(bug.node->role() == Role::leader);  // self + one voter counted twice = 3 of 5
  }
}

TEST_CASE("raft node: a one-voter candidate leads once its own vote is on stable storage") {
  // Its vote alone is a quorum. Leading before the sync would let a crash take the term
  // back: restarted in the old term, it could vote for another server in this one
  // (found by a run with ten administrators shrinking the configuration to one voter).
  Bench b(0, 1);
  b.time_out();
  CHECK(b.node->role() == Role::candidate);
  CHECK(b.node->voted_for() == 0);
  CHECK(b.node->log().last_index() == 0);  // nothing appended as leader yet
  CHECK(b.take<RequestVote>().empty());    // no one else to ask
  b.persist();
  CHECK(b.node->role() == Role::leader);
  CHECK(b.node->log().last_index() == 1);  // its no-op, of the new term
}

TEST_CASE("raft node: a candidate asks again, each heartbeat, the voters that did not answer") {
  Bench b(0, 5);
  b.time_out();
  CHECK(b.take<RequestVote>().size() == 4);
  b.node->on_request_vote_reply(b.now, 1, RequestVoteReply{.term = 1, .granted = true});
  b.node->on_request_vote_reply(b.now, 2, RequestVoteReply{.term = 1, .granted = false});
  b.advance_to(b.now + b.cfg.heartbeat_ns);
  auto again = b.take<RequestVote>();
  REQUIRE(again.size() == 2);
  CHECK(again[0].first == 3);
  CHECK(again[1].first == 4);
  CHECK(again[0].second.term == 1);  // the same election, not a new one
  CHECK(b.node->role() == Role::candidate);
}

TEST_CASE("raft node: replies from an older term are ignored") {
  Bench b(0, 3);
  b.time_out();
  b.advance_to(b.node->election_deadline());  // a second election: term 2
  REQUIRE(b.node->term() == 2);
  CHECK(b.node->on_request_vote_reply(1, 1, RequestVoteReply{.term = 1, .granted = true}) ==
        "stale term");
  CHECK(b.node->role() == Role::candidate);
}

TEST_CASE("raft node: PreVote asks without anyone changing terms") {
  // Thesis §9.6: the pre-candidate keeps its term; voters answer as they would vote,
  // without adopting the term or recording a vote.
  auto pre_vote = [](NodeConfig& c) { c.pre_vote = true; };
  Bench b(0, 3, Restored{.term = 2}, pre_vote);
  b.time_out();
  CHECK(b.node->role() == Role::pre_candidate);
  CHECK(b.node->term() == 2);
  CHECK_FALSE(b.node->effects().hard_state_dirty);
  auto asks = b.take<RequestVote>();
  REQUIRE(asks.size() == 2);
  CHECK(asks[0].second.pre_vote);
  CHECK(asks[0].second.term == 3);

  Bench voter(1, 3, Restored{.term = 2}, pre_vote);
  voter.node->on_request_vote(5, 0, asks[0].second);
  auto answer = voter.take<RequestVoteReply>();
  REQUIRE(answer.size() == 1);
  CHECK(answer[0].second.granted);
  CHECK(answer[0].second.pre_vote);
  CHECK(voter.node->term() == 2);
  CHECK(voter.node->voted_for() == kNoNode);

  b.node->on_request_vote_reply(b.now, 1, answer[0].second);
  CHECK(b.node->role() == Role::candidate);  // a quorum would vote: campaign for real
  CHECK(b.node->term() == 3);
}

TEST_CASE("raft node: with CheckQuorum, a server that heard from a leader refuses votes") {
  // Thesis §4.2.3: within a minimum election timeout of hearing from a leader, a server
  // neither grants a vote nor adopts the candidate's term.
  Bench b(1, 3, {}, [](NodeConfig& c) { c.check_quorum = true; });
  b.node->on_append_entries(kMin + 10, 0, AppendEntries{.term = 1});
  b.clear();
  CHECK(b.node->on_request_vote(kMin + 20, 2, RequestVote{.term = 2}) ==
        "in lease: heard from a leader recently");
  CHECK(b.node->term() == 1);
  CHECK(b.pending() == 0);
  b.node->on_request_vote(2 * kMin + 10, 2, RequestVote{.term = 2});
  CHECK(b.node->term() == 2);
  CHECK(b.take<RequestVoteReply>()[0].second.granted);
}

TEST_CASE("raft node: a CheckQuorum leader steps down when a quorum went quiet") {
  Bench b(0, 3, {}, [](NodeConfig& c) { c.check_quorum = true; });
  b.elect();
  REQUIRE(b.node->role() == Role::leader);
  const Time elected = b.now;
  b.node->on_append_entries_reply(
      elected + 1, 1,
      AppendEntriesReply{.term = b.node->term(), .success = true, .match_index = 1});
  b.advance_to(elected + kMin);  // server 1 answered during the round: still a quorum
  CHECK(b.node->role() == Role::leader);
  b.advance_to(elected + 2 * kMin);  // nobody answered during this round
  CHECK(b.node->role() == Role::follower);
}

// ---------------------------------------------------------------- AppendEntries (follower)

TEST_CASE("raft node: AppendEntries from an older term is refused with the current term") {
  Bench b(1, 3, Restored{.term = 5});
  b.node->on_append_entries(1, 0, AppendEntries{.term = 4, .read_seq = 7, .sent_at = 900});
  auto r = b.take<AppendEntriesReply>();
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 0);
  CHECK_FALSE(r[0].second.success);
  CHECK(r[0].second.term == 5);
  // It acknowledges no read round and no send time: its sender may lead term 5 by now,
  // in a new life whose rounds are numbered afresh (raft sim test, seed 1013199).
  CHECK(r[0].second.read_seq == 0);
  CHECK(r[0].second.sent_at == kTimeNone);
  CHECK(b.node->leader() == kNoNode);
}

TEST_CASE("raft node: the consistency check refuses a missing or mismatched prevLogIndex") {
  // Figure 2 rule 2, with §5.3's hint: the conflicting term and its first index.
  Bench b(1, 3, Restored{.term = 3, .entries = log_of_terms({1, 2, 2, 2})});
  SUBCASE("prevLogIndex beyond our log") {
    b.node->on_append_entries(1, 0,
                              AppendEntries{.term = 3, .prev_log_index = 6, .prev_log_term = 3});
    auto r = b.take<AppendEntriesReply>()[0].second;
    CHECK_FALSE(r.success);
    CHECK(r.conflict_index == 5);
    CHECK(r.conflict_term == 0);
  }
  SUBCASE("a different term at prevLogIndex") {
    b.node->on_append_entries(1, 0,
                              AppendEntries{.term = 3, .prev_log_index = 4, .prev_log_term = 3});
    auto r = b.take<AppendEntriesReply>()[0].second;
    CHECK_FALSE(r.success);
    CHECK(r.conflict_term == 2);
    CHECK(r.conflict_index == 2);            // the first entry of term 2
    CHECK(b.node->log().last_index() == 4);  // nothing removed on a refusal
  }
  CHECK(b.node->leader() == 0);  // still, it is the leader of our term
}

TEST_CASE("raft node: entries are appended after a matching prevLogIndex, commit follows") {
  Bench b(1, 3, Restored{.term = 2, .entries = log_of_terms({1, 2})});
  AppendEntries m{.term = 2, .prev_log_index = 2, .prev_log_term = 2, .leader_commit = 3};
  m.entries = {put_entry(2, "x", 3), put_entry(2, "y", 4)};
  b.node->on_append_entries(50, 0, m);
  CHECK(b.node->log().last_index() == 4);
  CHECK(b.node->log().unstable_from() == 3);  // to be written before the reply is sent
  // Figure 2 rule 5: commitIndex = min(leaderCommit, index of last new entry).
  CHECK(b.node->commit_index() == 3);
  CHECK(b.node->last_applied() == 3);
  CHECK(b.node->kv().get("x") == "v3");
  CHECK(b.node->election_deadline() == 50 + kMin);
  auto r = b.take<AppendEntriesReply>()[0].second;
  CHECK(r.success);
  CHECK(r.match_index == 4);
}

TEST_CASE("raft node: a conflicting entry and all after it are replaced") {
  // Figure 2 rule 3.
  Bench b(1, 3, Restored{.term = 3, .entries = log_of_terms({1, 2, 2, 2})});
  AppendEntries m{.term = 3, .prev_log_index = 2, .prev_log_term = 2};
  m.entries = {put_entry(3, "z", 9)};
  b.node->on_append_entries(1, 0, m);
  CHECK(b.node->log().last_index() == 3);
  CHECK(b.node->log().at(3).term == 3);
  CHECK(b.node->log().unstable_from() == 3);
  CHECK(b.take<AppendEntriesReply>()[0].second.match_index == 3);
}

TEST_CASE("raft node: a stale or duplicated AppendEntries truncates nothing") {
  // Figure 2 rule 3 deletes only on a real conflict: an older message whose entries the
  // follower already holds must not remove the entries that came after them.
  Bench b(1, 3, Restored{.term = 2, .entries = log_of_terms({2, 2, 2, 2})});
  AppendEntries old{.term = 2, .prev_log_index = 1, .prev_log_term = 2};
  old.entries = {b.node->log().at(2)};
  b.node->on_append_entries(1, 0, old);
  CHECK(b.node->log().last_index() == 4);
  CHECK_FALSE(b.node->log().has_unstable());
  auto r = b.take<AppendEntriesReply>()[0].second;
  CHECK(r.success);
  CHECK(r.match_index == 2);  // what this message proved, not the whole log

  SUBCASE("planted bug truncate-on-stale: it does remove them") {
    Bench bug(1, 3, Restored{.term = 2, .entries = log_of_terms({2, 2, 2, 2})},
              [](NodeConfig& c) { c.bugs.truncate_on_stale = true; });
    old.entries = {bug.node->log().at(2)};
    bug.node->on_append_entries(1, 0, old);
    CHECK(bug.node->log().last_index() == 2);
  }
}

TEST_CASE("raft node: a heartbeat passes the consistency check before it moves commit") {
  Bench b(1, 3, Restored{.term = 3, .entries = log_of_terms({1, 2, 2})});
  // The leader's log differs at index 3: its heartbeat must not commit our entry 3.
  b.node->on_append_entries(
      1, 0, AppendEntries{.term = 3, .prev_log_index = 3, .prev_log_term = 3, .leader_commit = 3});
  CHECK(b.node->commit_index() == 0);
  CHECK_FALSE(b.take<AppendEntriesReply>()[0].second.success);

  SUBCASE("planted bug heartbeat-skips-check: it commits the mismatched entry") {
    Bench bug(1, 3, Restored{.term = 3, .entries = log_of_terms({1, 2, 2})},
              [](NodeConfig& c) { c.bugs.heartbeat_skips_check = true; });
    bug.node->on_append_entries(
        1, 0,
        AppendEntries{.term = 3, .prev_log_index = 3, .prev_log_term = 3, .leader_commit = 3});
    CHECK(bug.node->commit_index() == 3);
  }
}

TEST_CASE("raft node: a candidate that hears from a leader of its term follows it") {
  Bench b(1, 3);
  b.time_out();
  REQUIRE(b.node->role() == Role::candidate);
  b.node->on_append_entries(b.now + 1, 0, AppendEntries{.term = b.node->term()});
  CHECK(b.node->role() == Role::follower);
  CHECK(b.node->leader() == 0);
}

TEST_CASE("raft node: a higher term in any message makes a leader a follower") {
  Bench b(0, 3);
  b.elect();
  REQUIRE(b.node->role() == Role::leader);
  b.node->on_append_entries_reply(b.now, 1, AppendEntriesReply{.term = 9});
  CHECK(b.node->role() == Role::follower);
  CHECK(b.node->term() == 9);
  CHECK(b.node->voted_for() == kNoNode);
  CHECK(b.node->effects().hard_state_dirty);

  SUBCASE("planted bug no-step-down: it adopts the term and keeps leading") {
    Bench bug(0, 3, {}, [](NodeConfig& c) { c.bugs.no_step_down = true; });
    bug.elect();
    bug.node->on_append_entries_reply(bug.now, 1, AppendEntriesReply{.term = 9});
    CHECK(bug.node->role() == Role::leader);
    CHECK(bug.node->term() == 9);
  }
}

// ---------------------------------------------------------------- leader

TEST_CASE("raft node: a leader commits by counting replicas only entries of its term") {
  // §5.4.2 and Figure 8: an entry of an older term on a majority is not committed by
  // counting; it commits once an entry of the current term does.
  Bench b(0, 3, Restored{.term = 2, .entries = log_of_terms({1, 2})});
  b.elect();  // term 3; the no-op is entry 3
  REQUIRE(b.node->role() == Role::leader);
  REQUIRE(b.node->log().last_index() == 3);
  const Term t = b.node->term();
  b.clear();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->commit_index() == 0);  // entry 2 (term 2) is on a majority, yet not committed
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 3});
  CHECK(b.node->commit_index() == 3);  // the no-op commits, and the entries before it

  SUBCASE("planted bug figure8: the older entry is committed by counting") {
    Bench bug(0, 3, Restored{.term = 2, .entries = log_of_terms({1, 2})},
              [](NodeConfig& c) { c.bugs.figure8 = true; });
    bug.elect();
    bug.node->on_append_entries_reply(
        bug.now, 1,
        AppendEntriesReply{.term = bug.node->term(), .success = true, .match_index = 2});
    CHECK(bug.node->commit_index() == 2);
  }
}

TEST_CASE("raft node: a leader counts itself only for what its disk has synced") {
  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  b.node->on_client_request(b.now, 7, ClientRequest{put_entry(t, "k", 1, 7).command});
  REQUIRE(b.node->log().last_index() == 2);
  CHECK(b.node->stable_index() == 1);
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->commit_index() == 1);  // entry 2 is on server 1 only, not yet on our disk
  b.persist();
  CHECK(b.node->commit_index() == 2);
  auto reply = b.take<ClientReply>();
  REQUIRE(reply.size() == 1);
  CHECK(reply[0].first == 7);
  CHECK(reply[0].second.status == ReplyStatus::ok);
}

TEST_CASE("raft node: matchIndex comes from the follower's reply, not the leader's log") {
  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    b.node->on_client_request(b.now, 7, ClientRequest{put_entry(t, "k", seq, 7).command});
  }
  b.persist();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->progress(1).match == 2);
  CHECK(b.node->commit_index() == 2);

  SUBCASE("planted bug match-from-own-log") {
    Bench bug(0, 3, {}, [](NodeConfig& c) { c.bugs.match_from_own_log = true; });
    bug.elect();
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      bug.node->on_client_request(bug.now, 7, ClientRequest{put_entry(t, "k", seq, 7).command});
    }
    bug.persist();
    bug.node->on_append_entries_reply(
        bug.now, 1, AppendEntriesReply{.term = t, .success = true, .match_index = 2});
    CHECK(bug.node->progress(1).match == 4);
    CHECK(bug.node->commit_index() == 4);
  }
}

TEST_CASE("raft node: heartbeats go to the followers that heard nothing for an interval") {
  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  b.node->on_append_entries_reply(b.now, 2,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  b.clear();
  // Half an interval later a client's command goes out to both followers at once.
  b.now += b.cfg.heartbeat_ns / 2;
  b.node->on_client_request(b.now, 7, ClientRequest{put_entry(t, "k", 1, 7).command});
  b.node->flush(b.now);
  CHECK(b.take<AppendEntries>().size() == 2);
  b.time_out();  // the heartbeat deadline: the command's messages were the heartbeats
  CHECK(b.take<AppendEntries>().empty());
  b.time_out();  // a whole interval of silence: now they get one
  CHECK(b.take<AppendEntries>().size() == 2);
}

TEST_CASE("raft node: a refusal backs nextIndex off past the conflicting term at once") {
  // §5.3: with the follower's conflict term, the leader jumps to after its own last
  // entry of that term, or to the follower's first index of it.
  Bench b(0, 3, Restored{.term = 3, .entries = log_of_terms({1, 1, 1, 3, 3})});
  b.elect();  // term 4, no-op at 6
  const Term t = b.node->term();
  b.clear();
  const AppendEntriesReply first{
      .term = t, .success = false, .conflict_index = 3, .conflict_term = 2, .prev_log_index = 5};
  b.node->on_append_entries_reply(b.now, 1, first);
  auto m = b.take<AppendEntries>();
  REQUIRE(m.size() == 1);
  CHECK(m[0].second.prev_log_index == 2);  // we have no term 2: the follower's index 3
  // The same refusal again (the network duplicated it) answers no request in flight.
  CHECK(b.node->on_append_entries_reply(b.now, 1, first) == "refusal of an earlier request");
  CHECK(b.take<AppendEntries>().empty());
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t,
                                                     .success = false,
                                                     .conflict_index = 2,
                                                     .conflict_term = 1,
                                                     .prev_log_index = 2});
  m = b.take<AppendEntries>();
  REQUIRE(m.size() == 1);
  CHECK(m[0].second.prev_log_index == 3);  // our last term-1 entry
  CHECK(m[0].second.prev_log_term == 1);
  CHECK(m[0].second.entries.size() == 3);
}

TEST_CASE("raft node: clients are redirected by followers and answered once") {
  Bench follower(1, 3);
  follower.node->on_append_entries(1, 0, AppendEntries{.term = 1});
  follower.node->on_client_request(2, 7, ClientRequest{put_entry(0, "k", 1, 7).command});
  auto redirect = follower.take<ClientReply>();
  REQUIRE(redirect.size() == 1);
  CHECK(redirect[0].second.status == ReplyStatus::not_leader);
  CHECK(redirect[0].second.leader_hint == 0);

  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  const Command c = put_entry(t, "k", 1, 7).command;
  b.node->on_client_request(b.now, 7, ClientRequest{c});
  b.persist();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  REQUIRE(b.take<ClientReply>().size() == 1);
  // A retry of the applied command is answered from the session: no second entry.
  b.node->on_client_request(b.now, 7, ClientRequest{c});
  auto again = b.take<ClientReply>();
  REQUIRE(again.size() == 1);
  CHECK(again[0].second.status == ReplyStatus::ok);
  CHECK(b.node->log().last_index() == 2);
}

// ---------------------------------------------------------------- reads

TEST_CASE("raft node: a ReadIndex read waits for a quorum to confirm the leadership") {
  Bench b(0, 3, {}, [](NodeConfig& c) { c.read_mode = ReadMode::index; });
  b.elect();
  const Term t = b.node->term();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  REQUIRE(b.node->commit_index() == 1);
  b.clear();
  b.node->on_client_request(
      b.now, 7, ClientRequest{Command{.op = OpKind::get, .client = 7, .seq = 1, .key = "k"}});
  CHECK(b.take<ClientReply>().empty());
  b.node->flush(b.now);
  auto round = b.take<AppendEntries>();
  REQUIRE(round.size() == 2);
  const std::uint64_t seq = round[0].second.read_seq;
  // An acknowledgement of an earlier round does not confirm this read.
  b.node->on_append_entries_reply(
      b.now, 1,
      AppendEntriesReply{.term = t, .success = true, .match_index = 1, .read_seq = seq - 1});
  CHECK(b.take<ClientReply>().empty());
  b.node->on_append_entries_reply(
      b.now, 2, AppendEntriesReply{.term = t, .success = true, .match_index = 1, .read_seq = seq});
  auto reply = b.take<ClientReply>();
  REQUIRE(reply.size() == 1);
  CHECK(reply[0].second.status == ReplyStatus::ok);
  CHECK_FALSE(reply[0].second.outcome.value.has_value());
  CHECK(b.node->log().last_index() == 1);  // no log entry for the read
}

TEST_CASE("raft node: without the term's no-op, a ReadIndex read appends one and waits for it") {
  // Thesis §6.4: a read waits until an entry of the leader's term is committed. With
  // leader_noop=false no such entry exists until a write comes; while every client waits
  // on a read none does, so the read itself appends the no-op.
  Bench b(0, 3, {}, [](NodeConfig& c) {
    c.read_mode = ReadMode::index;
    c.leader_noop = false;
  });
  b.elect();
  const Term t = b.node->term();
  REQUIRE(b.node->log().last_index() == 0);  // nothing of term t yet
  b.clear();
  b.node->on_client_request(
      b.now, 7, ClientRequest{Command{.op = OpKind::get, .client = 7, .seq = 1, .key = "k"}});
  REQUIRE(b.node->log().last_index() == 1);
  CHECK(b.node->log().at(1).kind == EntryKind::noop);
  CHECK(b.node->log().at(1).term == t);
  b.node->flush(b.now);
  b.persist();
  const std::uint64_t seq = b.take<AppendEntries>()[0].second.read_seq;
  // A second read appends nothing more: the term has its entry.
  b.node->on_client_request(
      b.now, 8, ClientRequest{Command{.op = OpKind::get, .client = 8, .seq = 1, .key = "k"}});
  CHECK(b.node->log().last_index() == 1);
  b.node->flush(b.now);
  const std::uint64_t seq2 = b.take<AppendEntries>()[0].second.read_seq;
  // The quorum confirms both rounds but has not stored the no-op: no read yet.
  b.node->on_append_entries_reply(
      b.now, 1, AppendEntriesReply{.term = t, .success = true, .match_index = 0, .read_seq = seq2});
  CHECK(b.take<ClientReply>().empty());
  b.node->on_append_entries_reply(
      b.now, 1, AppendEntriesReply{.term = t, .success = true, .match_index = 1, .read_seq = seq2});
  CHECK(b.node->commit_index() == 1);
  CHECK(b.take<ClientReply>().size() == 2);
  CHECK(seq2 > seq);
}

TEST_CASE("raft node: a lease read is local while a quorum acked within the lease") {
  Bench b(0, 3, {}, [](NodeConfig& c) { c.read_mode = ReadMode::lease; });
  b.elect();
  const Term t = b.node->term();
  const Time sent = b.now;
  b.node->on_append_entries_reply(
      b.now, 1, AppendEntriesReply{.term = t, .success = true, .match_index = 1, .sent_at = sent});
  REQUIRE(b.node->commit_index() == 1);
  CHECK(b.node->lease_duration() == kMin - b.cfg.lease_margin_ns);
  CHECK(b.node->lease_valid(sent + b.node->lease_duration() - 1));
  CHECK_FALSE(b.node->lease_valid(sent + b.node->lease_duration()));
  b.clear();
  b.node->on_client_request(
      sent + 5, 7, ClientRequest{Command{.op = OpKind::get, .client = 7, .seq = 1, .key = "k"}});
  CHECK(b.take<ClientReply>().size() == 1);
}

// ---------------------------------------------------------------- snapshots

TEST_CASE("raft node: InstallSnapshot replaces a conflicting log, keeps a matching suffix") {
  Snapshot s;
  s.last_index = 3;
  s.last_term = 2;
  s.config = {0, 1, 2};
  s.state.data["x"] = "1";
  SUBCASE("conflicting: the whole log goes") {
    Bench b(1, 3, Restored{.term = 2, .entries = log_of_terms({1, 1, 1, 1})});
    b.node->on_install_snapshot(1, 0, InstallSnapshot{.term = 2, .snapshot = s});
    CHECK(b.node->log().snapshot_index() == 3);
    CHECK(b.node->log().last_index() == 3);
    CHECK(b.node->commit_index() == 3);
    CHECK(b.node->kv().get("x") == "1");
    CHECK(b.node->effects().snapshot_dirty);
    CHECK(b.take<InstallSnapshotReply>()[0].second.match_index == 3);
  }
  SUBCASE("matching: the entries after it stay") {
    Bench b(1, 3, Restored{.term = 2, .entries = log_of_terms({1, 2, 2, 2})});
    b.node->on_install_snapshot(1, 0, InstallSnapshot{.term = 2, .snapshot = s});
    CHECK(b.node->log().snapshot_index() == 3);
    CHECK(b.node->log().last_index() == 4);
  }
}

TEST_CASE("raft node: a leader compacts its log and sends a snapshot to a lagging follower") {
  Bench b(0, 3, {}, [](NodeConfig& c) { c.snapshot_interval = 2; });
  b.elect();
  const Term t = b.node->term();
  b.node->on_client_request(b.now, 7, ClientRequest{put_entry(t, "k", 1, 7).command});
  b.persist();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->log().snapshot_index() == 2);
  CHECK(b.node->effects().snapshot_dirty);
  b.clear();
  // Server 2 never answered: its next entry is gone from the log.
  b.node->on_append_entries_reply(
      b.now, 2, AppendEntriesReply{.term = t, .success = false, .conflict_index = 1});
  auto snap = b.take<InstallSnapshot>();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].first == 2);
  CHECK(snap[0].second.snapshot.last_index == 2);
  CHECK(snap[0].second.snapshot.state.data.at("k") == "v1");
}

// ---------------------------------------------------------------- membership

TEST_CASE("raft node: one membership change at a time, after an entry of the term commits") {
  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  // The no-op is not committed yet: the change must wait (Ongaro, raft-dev 2015).
  b.node->on_config_change(b.now, 9, ConfigChange{.id = 1, .add = false, .server = 2});
  CHECK(b.take<ConfigChangeReply>()[0].second.status == ReplyStatus::busy);
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  b.node->on_config_change(b.now, 9, ConfigChange{.id = 2, .add = false, .server = 2});
  CHECK(b.take<ConfigChangeReply>().empty());
  // Thesis §4.1: the new configuration takes effect as soon as it is in the log.
  CHECK(b.node->config() == Config{0, 1});
  // A second change while the first is uncommitted: busy.
  b.node->on_config_change(b.now, 9, ConfigChange{.id = 3, .add = true, .server = 2});
  CHECK(b.take<ConfigChangeReply>()[0].second.status == ReplyStatus::busy);
  b.persist();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  auto done = b.take<ConfigChangeReply>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].second.status == ReplyStatus::ok);
  CHECK(done[0].second.config == Config{0, 1});

  SUBCASE("planted bug membership-no-term-commit: the change goes ahead at once") {
    Bench bug(0, 3, {}, [](NodeConfig& c) { c.bugs.membership_no_term_commit = true; });
    bug.elect();
    bug.node->on_config_change(bug.now, 9, ConfigChange{.id = 1, .add = false, .server = 2});
    CHECK(bug.node->config() == Config{0, 1});
  }
}

TEST_CASE("raft node: a leader removed from the configuration steps down once it commits") {
  Bench b(0, 3);
  b.elect();
  const Term t = b.node->term();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  b.node->on_config_change(b.now, 9, ConfigChange{.id = 1, .add = false, .server = 0});
  CHECK(b.node->role() == Role::leader);  // it still leads {1, 2} until the entry commits
  b.persist();
  // The leader is not in the new configuration: a quorum of {1, 2} is needed, both.
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->commit_index() == 1);
  b.node->on_append_entries_reply(b.now, 2,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 2});
  CHECK(b.node->commit_index() == 2);
  CHECK(b.node->role() == Role::follower);
  b.time_out();
  CHECK(b.node->role() == Role::follower);  // not a voter: it never campaigns
}

TEST_CASE("raft node: a leader that removed itself and stepped down early campaigns to commit it") {
  // Thesis §4.2.2 (the leader removing itself): {0, 1} -> {1}. CheckQuorum steps the
  // leader down before server 1 has the entry. Server 1, still on {0, 1}, needs server
  // 0's vote, which server 0 refuses (its log is longer); so server 0, outside its own
  // latest configuration but not knowing it committed, campaigns among {1}'s voters
  // without counting its own vote, commits {1} as leader, and only then steps down.
  Bench b(0, 2, {}, [](NodeConfig& c) { c.check_quorum = true; });
  b.elect();
  Term t = b.node->term();
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 1});
  b.node->on_config_change(b.now, 9, ConfigChange{.id = 1, .add = false, .server = 0});
  CHECK(b.node->config() == Config{1});
  b.persist();
  b.clear();
  // Server 1 hears nothing more: two CheckQuorum rounds later the leader steps down.
  b.advance_to(b.now + kMin);
  CHECK(b.node->role() == Role::leader);
  b.advance_to(b.now + kMin);
  REQUIRE(b.node->role() == Role::follower);
  CHECK(b.node->commit_index() == 1);  // {1} at index 2 is not committed
  b.clear();

  b.time_out();
  REQUIRE(b.node->role() == Role::candidate);
  CHECK(b.node->term() == t + 1);
  CHECK(b.node->stats().campaigns_outside_config == 1);
  auto votes = b.take<RequestVote>();
  REQUIRE(votes.size() == 1);  // only {1}'s voter is asked; its own vote does not count
  CHECK(votes[0].first == 1);
  CHECK(votes[0].second.last_log_index == 2);
  b.persist();
  t = b.node->term();
  b.node->on_request_vote_reply(b.now, 1, RequestVoteReply{.term = t, .granted = true});
  REQUIRE(b.node->role() == Role::leader);
  b.node->flush(b.now);
  b.persist();
  // Server 1 acknowledges the no-op of the new term: {1} and everything before commit,
  // and the leader, not in the committed configuration, steps down.
  b.node->on_append_entries_reply(b.now, 1,
                                  AppendEntriesReply{.term = t, .success = true, .match_index = 3});
  CHECK(b.node->commit_index() == 3);
  CHECK(b.node->role() == Role::follower);
  b.clear();
  b.time_out();
  CHECK(b.node->role() == Role::follower);  // committed: it is not needed any more
  CHECK(b.take<RequestVote>().empty());
}
