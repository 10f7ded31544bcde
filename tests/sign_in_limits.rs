//! What a client without a session can make the server keep is bounded per client: a script
//! starting sign-ins in a loop gets 429s, and other people sign in as usual meanwhile.

mod common;

use common::{USER, hosted_ui_sign_in, location, spawn_stack};
use futures::future::join_all;

fn client_at(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    // The test talks to the app over loopback, a trusted proxy address by default: the app
    // takes the client from X-Forwarded-For, as behind a real reverse proxy.
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_flood_from_one_client_does_not_stop_another() {
    let stack = spawn_stack(&[("SIGN_IN_RATE_PER_MINUTE", "20")]).await;
    let flooder = client_at("198.51.100.66");
    let url = stack.app.url("/auth/login");
    let flood = join_all((0..300).map(|_| {
        let flooder = flooder.clone();
        let url = url.clone();
        async move { flooder.get(&url).send().await.unwrap() }
    }));
    let person = client_at("203.0.113.7");
    let (answers, callback) = tokio::join!(flood, hosted_ui_sign_in(&person, &stack.app.base_url, USER, None));

    let started = answers.iter().filter(|r| r.status().is_redirection()).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(started, 20, "the flooding client gets its budget and no more");
    assert_eq!(refused.len(), 280);
    assert!(refused.iter().all(|r| r.headers().contains_key("retry-after")), "429s say when to retry");

    let signed_in = person.get(&callback).send().await.unwrap();
    assert_eq!(signed_in.status(), 303, "another client signs in as usual");
    assert!(location(&signed_in).starts_with('/'));
    assert_eq!(person.get(stack.app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

/// The budget is kept by each instance (README: "a minute on each instance"): behind a
/// balancer a client may start that many on every instance, and no more on any one of them.
#[tokio::test]
async fn each_instance_keeps_its_own_budget() {
    let stack = spawn_stack(&[("SIGN_IN_RATE_PER_MINUTE", "3")]).await;
    let other_instance = stack.spawn_another_app().await;
    let client = client_at("198.51.100.67");
    for (name, login) in [("first", stack.app.url("/auth/login")), ("second", other_instance.url("/auth/login"))] {
        for n in 1..=3 {
            let started = client.get(&login).send().await.unwrap();
            assert!(started.status().is_redirection(), "sign-in {n} on the {name} instance: {}", started.status());
        }
        assert_eq!(client.get(&login).send().await.unwrap().status(), 429, "the {name} instance's budget is spent");
    }
}
