//! Actors: agents and their one inverse functional identifier, groups and their members.

use super::*;

/// Data 2.4.2.1.s2.b1 — an Agent is identified by one IFI.
#[test]
fn an_agent_needs_an_ifi() {
    invalid(
        set(base(), "/actor", json!({"name": "Ada"})),
        &["actor: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)"],
    );
}

/// Data 2.4.2.1.s2.b2 — an Agent has no more than one IFI.
#[test]
fn an_agent_has_only_one_ifi() {
    invalid(
        set(base(), "/actor/openid", json!("http://ada.openid.example.org/")),
        &["actor: an Agent must have exactly one inverse functional identifier, not mbox and openid"],
    );
}

/// Data 2.4.2.3 — mbox is a mailto IRI.
#[test]
fn mbox_is_a_mailto_iri() {
    for bad in [
        "ada@example.com",
        "MAILTO:ada@example.com",
        "mailto:",
        "mailto:ada",
        "mailto:@example.com",
        "mailto:ada@",
        "mailto:ada lovelace@example.com",
        "mailto:a@b.c,d@e.f",
    ] {
        invalid(
            set(base(), "/actor/mbox", json!(bad)),
            &["actor.mbox: must be a mailto: IRI"],
        );
    }
}

/// Data 2.4.2.3 — mbox_sha1sum is a hex SHA-1 hash.
#[test]
fn mbox_sha1sum_is_hex() {
    let agent = |sum: &str| json!({"mbox_sha1sum": sum});
    valid(
        &set(
            base(),
            "/actor",
            agent("ebd31e95054c018b10727ccffd2ef2ec3a016ee9"),
        ),
        V1,
    );
    for bad in [
        "ebd31e95054c018b10727ccffd2ef2ec3a016ee",
        "zbd31e95054c018b10727ccffd2ef2ec3a016ee9",
        "",
    ] {
        invalid(
            set(base(), "/actor", agent(bad)),
            &["actor.mbox_sha1sum: must be a SHA-1 hash as 40 hex digits"],
        );
    }
}

/// Data 2.4.2.3 — openid is a URI.
#[test]
fn openid_is_a_uri() {
    invalid(
        set(
            base(),
            "/actor",
            json!({"openid": "toby.openid.example.org"}),
        ),
        &["actor.openid: must be an absolute URI"],
    );
}

/// Data 2.4.2.4 — an account has homePage (an IRL) and name, and nothing else.
#[test]
fn an_account_has_home_page_and_name() {
    invalid(
        set(base(), "/actor", json!({"account": {"name": "13936749"}})),
        &["actor.account.homePage: is required"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "www.example.com", "name": "x"}}),
        ),
        &["actor.account.homePage: must be an absolute IRL (a scheme, a colon and no spaces)"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "http://www.example.com", "name": 13936749}}),
        ),
        &["actor.account.name: must be a string"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"account": {"homePage": "http://www.example.com", "name": "x", "id": 1}}),
        ),
        &["actor.account.id: is not a property of an Account"],
    );
}

/// Data 2.4.2.2.s4.b1 — an anonymous Group lists its members.
#[test]
fn an_anonymous_group_lists_members() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "name": "Team"})),
        &["actor.member: is required: a Group without an inverse functional identifier is anonymous and must list its members"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"objectType": "Group", "member": []}),
        ),
        &["actor.member: an anonymous Group must list at least one member"],
    );
    invalid(
        set(
            base(),
            "/actor",
            json!({"objectType": "Group", "member": {"mbox": "mailto:a@b.c"}}),
        ),
        &["actor.member: must be an array"],
    );
}

/// Data 2.4.2.2.s4.b2, s5.b2 — Groups do not contain Groups.
#[test]
fn group_members_are_agents() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@example.com"}]})),
        &["actor.member[0].objectType: must be \"Agent\": a Group's members are Agents, not Groups"],
    );
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "mbox": "mailto:team@example.com", "member": [{"mbox": "mailto:a@example.com"}, {"name": "nobody"}]})),
        &["actor.member[1]: an Agent must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)"],
    );
}

/// Data 2.4.2.2.s5.b1 — an identified Group has exactly one IFI.
#[test]
fn an_identified_group_has_one_ifi() {
    invalid(
        set(base(), "/actor", json!({"objectType": "Group", "mbox": "mailto:team@example.com", "openid": "http://team.example.com/"})),
        &["actor: an identified Group must have exactly one inverse functional identifier, not mbox and openid"],
    );
    valid(
        &set(
            base(),
            "/actor",
            json!({"objectType": "Group", "mbox": "mailto:team@example.com"}),
        ),
        V1,
    );
}

/// Data 2.4.2.1 — an Agent has no member list.
#[test]
fn an_agent_has_no_members() {
    invalid(
        set(base(), "/actor/member", json!([])),
        &["actor.member: is not a property of an Agent"],
    );
}
