"""What the task API sends out on a caller's word: callbacks, and reference images named by URL.

A local HTTP server on loopback plays the caller's endpoint and an image host;
the tests allow loopback explicitly, as an administrator would have to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from grokstudio.api import callbacks, outbound
from grokstudio.api.models import ApiToken, Callback
from grokstudio.studio.models import Generation, Reference
from tests import queue
from tests.factories import make_image
from tests.integration.drive import drive
from tests.receiver import Receiver, Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_and_secret(owner) -> tuple[ApiToken, str]:
    return ApiToken.issue(owner, "script")


@pytest.fixture
def api(token_and_secret) -> Client:
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_and_secret[1]}"})


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def loopback_allowed(settings):
    settings.STUDIO_API_CALLBACK_HOSTS = ["127.0.0.1"]
    settings.STUDIO_API_FETCH_HOSTS = ["127.0.0.1"]
    settings.STUDIO_API_CALLBACK_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    settings.STUDIO_API_FETCH_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    settings.STUDIO_API_CALLBACK_RETRY_S = 30.0


def post(client: Client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def run_queued_callbacks() -> int:
    """Do what a worker does with the queued callback tasks; answers how many ran."""
    ran = [t for t in queue.queued() if t["func"] == "grokstudio.api.callbacks.deliver"]
    queue.clear()
    for task in ran:
        callbacks.deliver(*task["args"])
    return len(ran)


def finish(generation_id: int, capture) -> None:
    """The workers carry the task to its end; the callback is queued once that is committed."""
    with capture(execute=True):
        drive(Generation.objects.get(pk=generation_id))


def ended_task_with_callback(owner, token: ApiToken, receiver: Receiver) -> Generation:
    generation = Generation.objects.create(
        user=owner, prompt="x", model="grok-imagine-image", status="failed"
    )
    callbacks.register(generation, token, receiver.url("/"), "http://testserver/")
    return generation


# --- callbacks -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the poller starts the task on its own thread
def test_a_finished_task_posts_its_final_json_once_signed_with_the_tokens_secret(
    api, token_and_secret, receiver, loopback_allowed, xai, django_capture_on_commit_callbacks
):
    created = post(api, "/xai/images", {"prompt": "A red kite", "callBackUrl": receiver.url("/hook?batch=7")})
    assert created.status_code == 200, created.content
    task_id = created.json()["taskId"]
    queue.clear()

    finish(int(task_id), django_capture_on_commit_callbacks)
    assert run_queued_callbacks() == 1

    (delivery,) = receiver.wait_for(1)
    assert delivery.method == "POST" and delivery.path == "/hook?batch=7"
    token = token_and_secret[0]
    expected = "sha256=" + hmac.new(token.signing_secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Studio-Signature"] == expected
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.headers["X-Studio-Task"] == task_id
    sent = json.loads(delivery.body)
    assert sent == api.get(f"/xai/tasks/{task_id}").json()
    assert sent["status"] == "completed" and sent["results"][0]["url"].startswith("http://testserver/xai/")
    assert Callback.objects.get().state == Callback.State.DELIVERED

    # Nothing sends it again: not a second run of the task, not the sweep.
    assert callbacks.deliver(int(task_id)) is None
    assert callbacks.sweep() == 0
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)  # the poller starts the task on its own thread
def test_a_signature_made_with_another_secret_does_not_match(
    api, receiver, loopback_allowed, xai, django_capture_on_commit_callbacks
):
    task_id = post(api, "/xai/images", {"prompt": "x", "callBackUrl": receiver.url("/")}).json()["taskId"]
    finish(int(task_id), django_capture_on_commit_callbacks)
    run_queued_callbacks()

    (delivery,) = receiver.wait_for(1)
    forged = "sha256=" + hmac.new(b"whsec_guess", delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Studio-Signature"] != forged


@pytest.mark.django_db(transaction=True)  # the poller starts the task on its own thread
def test_a_failed_delivery_is_tried_again_later_with_the_same_delivery_id(
    api, receiver, loopback_allowed, xai, django_capture_on_commit_callbacks
):
    receiver.replies = [Reply(500, b"down for maintenance")]
    task_id = post(api, "/xai/images", {"prompt": "x", "callBackUrl": receiver.url("/hook")}).json()["taskId"]
    finish(int(task_id), django_capture_on_commit_callbacks)
    run_queued_callbacks()

    callback = Callback.objects.get()
    assert callback.state == Callback.State.WAITING and callback.attempts == 1
    assert "HTTP 500" in callback.last_error
    assert callback.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert callbacks.sweep() == 0  # not due yet

    Callback.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert callbacks.sweep() == 1
    run_queued_callbacks()

    first, second = receiver.wait_for(2)
    assert (
        first.body == second.body
        and first.headers["X-Studio-Delivery"] == second.headers["X-Studio-Delivery"]
    )
    callback.refresh_from_db()
    assert callback.state == Callback.State.DELIVERED and callback.attempts == 2


def test_the_wait_between_attempts_grows(receiver, loopback_allowed, owner, token_and_secret):
    generation = ended_task_with_callback(owner, token_and_secret[0], receiver)
    receiver.replies = [Reply(503)] * 3
    waits = []
    for _ in range(3):
        Callback.objects.update(next_attempt_at=timezone.now())
        callbacks.deliver(generation.pk)
        waits.append((Callback.objects.get().next_attempt_at - timezone.now()).total_seconds())

    assert 25 < waits[0] < waits[1] < waits[2]
    assert waits[1] == pytest.approx(4 * 30, abs=5) and waits[2] == pytest.approx(16 * 30, abs=5)


def test_a_callback_is_given_up_after_its_last_attempt(receiver, loopback_allowed, owner, token_and_secret):
    generation = ended_task_with_callback(owner, token_and_secret[0], receiver)
    receiver.replies = [Reply(500)] * Callback.MAX_ATTEMPTS

    for _ in range(Callback.MAX_ATTEMPTS + 2):
        Callback.objects.filter(state=Callback.State.WAITING).update(next_attempt_at=timezone.now())
        callbacks.deliver(generation.pk)

    callback = Callback.objects.get()
    assert callback.state == Callback.State.FAILED and callback.attempts == Callback.MAX_ATTEMPTS
    assert len(receiver.received) == Callback.MAX_ATTEMPTS


def test_a_sender_that_died_mid_send_is_taken_over_by_the_sweep(
    receiver, loopback_allowed, owner, token_and_secret
):
    ended_task_with_callback(owner, token_and_secret[0], receiver)
    Callback.objects.update(
        state=Callback.State.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    queue.clear()

    assert callbacks.sweep() == 1
    run_queued_callbacks()

    assert Callback.objects.get().state == Callback.State.DELIVERED and len(receiver.wait_for(1)) == 1


def test_a_task_that_ends_without_a_worker_hearing_is_still_called_back_by_the_sweep(
    api, receiver, loopback_allowed, owner
):
    task_id = post(api, "/xai/images", {"prompt": "x", "callBackUrl": receiver.url("/")}).json()["taskId"]
    # The row ends by a write that no signal saw (a crash between the two, say).
    Generation.objects.filter(pk=int(task_id)).update(status="failed", error_code="boom", message="Boom.")
    queue.clear()

    assert callbacks.sweep() == 1
    run_queued_callbacks()

    (delivery,) = receiver.wait_for(1)
    sent = json.loads(delivery.body)
    assert sent["status"] == "failed" and sent["errorCode"] == "boom" and sent["errorMessage"] == "Boom."


def test_a_cancelled_task_is_called_back_too(
    api, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    task_id = post(api, "/xai/images", {"prompt": "x", "callBackUrl": receiver.url("/")}).json()["taskId"]
    queue.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/xai/tasks/{task_id}/cancel").status_code == 200
    run_queued_callbacks()

    (delivery,) = receiver.wait_for(1)
    assert json.loads(delivery.body)["status"] == "cancelled"


@pytest.mark.django_db(transaction=True)  # the poller starts the task on its own thread
def test_a_task_without_a_callback_queues_none(api, xai, django_capture_on_commit_callbacks):
    task_id = post(api, "/xai/images", {"prompt": "x"}).json()["taskId"]
    queue.clear()

    finish(int(task_id), django_capture_on_commit_callbacks)

    assert run_queued_callbacks() == 0


@pytest.mark.parametrize(
    ("url", "settings_change", "why"),
    [
        ("http://127.0.0.1:9/hook", {"STUDIO_API_CALLBACK_HOSTS": []}, "administrator has not allowed"),
        ("http://hooks.example.org/x", {}, "has not allowed the host hooks.example.org"),
        ("http://127.0.0.1:9/hook", {"STUDIO_API_CALLBACK_PRIVATE_NETWORKS": []}, "private or local network"),
        ("http://localhost:9/hook",
         {"STUDIO_API_CALLBACK_HOSTS": ["*"], "STUDIO_API_CALLBACK_PRIVATE_NETWORKS": []},
         "private or local network"),
        ("ftp://127.0.0.1/hook", {}, "only http and https"),
        ("http://user:pw@127.0.0.1/hook", {}, "user name or password"),
        ("http://127.0.0.1:99999/hook", {}, "not valid"),
        ("not a url", {}, "only http and https"),
    ],
)  # fmt: skip
def test_a_callback_url_the_studio_may_not_call_is_refused_and_nothing_is_stored(
    api, loopback_allowed, settings, url, settings_change, why
):
    for name, value in settings_change.items():
        setattr(settings, name, value)

    response = post(api, "/xai/images", {"prompt": "x", "callBackUrl": url})

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "callback_not_allowed" and why in response.json()["message"]
    assert not Generation.objects.exists() and not Callback.objects.exists()


@pytest.mark.django_db(transaction=True)  # the poller starts the task on its own thread
def test_a_callback_goes_to_the_checked_address_not_to_a_redirect(
    api, receiver, loopback_allowed, xai, django_capture_on_commit_callbacks
):
    receiver.replies = [Reply(307, headers={"Location": "http://169.254.169.254/latest/meta-data"})]
    task_id = post(api, "/xai/images", {"prompt": "x", "callBackUrl": receiver.url("/")}).json()["taskId"]
    finish(int(task_id), django_capture_on_commit_callbacks)
    run_queued_callbacks()

    assert len(receiver.wait_for(1)) == 1
    assert Callback.objects.get().state == Callback.State.WAITING  # a redirect is not a delivery


def test_the_tokens_page_shows_each_tokens_signing_secret(owner_client, token_and_secret):
    page = owner_client.get("/accounts/api-tokens/")

    assert token_and_secret[0].signing_secret in page.text
    assert page["Cache-Control"] == "no-store"


def test_each_token_has_its_own_signing_secret(owner):
    first, _ = ApiToken.issue(owner, "a")
    second, _ = ApiToken.issue(owner, "b")

    assert first.signing_secret.startswith("whsec_") and first.signing_secret != second.signing_secret


# --- reference images named by URL -------------------------------------------------


def test_a_reference_url_on_an_allowed_host_is_fetched_and_used(api, receiver, loopback_allowed, owner):
    receiver.routes["/cat.png"] = Reply(200, make_image("PNG", size=(80, 60)), "image/png")

    response = post(api, "/xai/images", {"prompt": "Make it night", "images": [receiver.url("/cat.png")]})

    assert response.status_code == 200, response.content
    generation = Generation.objects.get(pk=int(response.json()["taskId"]))
    (reference,) = Reference.objects.filter(generation=generation)
    assert generation.params["mode"] == "edit"
    assert (reference.asset.width, reference.asset.height) == (80, 60)
    assert receiver.received[0].headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_a_video_can_start_from_an_image_url(api, receiver, loopback_allowed):
    receiver.routes["/start.jpg"] = Reply(200, make_image("JPEG", size=(96, 64)), "image/jpeg")

    response = post(api, "/xai/videos", {"prompt": "It moves", "images": [receiver.url("/start.jpg")]})

    assert response.status_code == 200, response.content
    assert Generation.objects.get().params["mode"] == "image"


@pytest.mark.parametrize(
    ("route", "settings_change", "code", "why"),
    [
        (Reply(200, b"x", "image/png"), {"STUDIO_API_FETCH_HOSTS": []}, "url_not_allowed", "fetches no URLs"),
        (Reply(200, b"x", "image/png"), {"STUDIO_API_FETCH_HOSTS": ["images.example.org"]},
         "url_not_allowed", "has not allowed the host 127.0.0.1"),
        (Reply(200, b"x", "image/png"), {"STUDIO_API_FETCH_PRIVATE_NETWORKS": []}, "url_not_allowed",
         "private"),
        (Reply(404, b"gone"), {}, "fetch_failed", "HTTP 404"),
        (Reply(302, b"", headers={"Location": "http://10.0.0.1/"}), {}, "fetch_failed", "HTTP 302"),
        (Reply(200, b"x" * (2 * 1024 * 1024), "image/png"), {"STUDIO_MAX_UPLOAD_MB": 1}, "fetch_failed",
         "larger than"),
        (Reply(200, b"<html>not an image</html>", "image/png"), {}, "invalid_image", "not an image"),
    ],
)  # fmt: skip
def test_a_reference_url_that_cannot_be_used_is_refused_and_nothing_is_stored(
    api, receiver, loopback_allowed, settings, route, settings_change, code, why
):
    for name, value in settings_change.items():
        setattr(settings, name, value)
    receiver.routes["/ref.png"] = route

    response = post(api, "/xai/images", {"prompt": "x", "images": [receiver.url("/ref.png")]})

    assert response.status_code == 422, response.content
    assert response.json()["code"] == code and why in response.json()["message"]
    assert not Generation.objects.exists()


# --- the address check itself ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/",
        "http://[fd00::1]/", "http://localhost/",
    ],
)  # fmt: skip
def test_private_and_local_addresses_are_refused_even_when_any_host_is_allowed(url):
    with pytest.raises(outbound.NotAllowed, match="private or local"):
        outbound.check(url, ["*"])


def test_a_network_the_administrator_lets_through_is_allowed_and_only_it():
    assert outbound.check("http://10.1.2.3:8080/x?y=1", ["*"], ["10.0.0.0/8"]).path == "/x?y=1"
    with pytest.raises(outbound.NotAllowed):
        outbound.check("http://192.168.1.1/", ["*"], ["10.0.0.0/8"])


def test_a_network_let_through_for_callbacks_is_not_let_through_for_fetching(
    api, receiver, loopback_allowed, settings
):
    settings.STUDIO_API_FETCH_HOSTS = ["*"]
    settings.STUDIO_API_FETCH_PRIVATE_NETWORKS = []
    receiver.routes["/admin.png"] = Reply(200, make_image("PNG"), "image/png")

    response = post(api, "/xai/images", {"prompt": "x", "images": [receiver.url("/admin.png")]})

    assert response.status_code == 422 and response.json()["code"] == "url_not_allowed"
    assert receiver.received == []


def test_host_patterns_follow_allowed_hosts_syntax():
    with pytest.raises(outbound.NotAllowed, match="has not allowed"):
        outbound.check("http://127.0.0.1.nip.example/", [".example.com"], ["127.0.0.0/8"])
    with pytest.raises(outbound.NotAllowed, match="has not allowed"):
        outbound.check("http://evil-example.com/", [".example.com"], ["127.0.0.0/8"])
    assert outbound.check("http://127.0.0.1/", ["127.0.0.1"], ["127.0.0.0/8"]).addresses[0] == "127.0.0.1"


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "2002:a9fe:a9fe::", "::127.0.0.1", "fec0::1", "ff02::1",
     "2001:0:4136:e378:8000:63bf:80ff:fefe", "224.0.0.1", "240.0.0.1"],
)  # fmt: skip
def test_ipv6_forms_carrying_a_private_ipv4_address_and_other_non_public_addresses_are_refused(address):
    with pytest.raises(outbound.NotAllowed, match="private or local"):
        outbound.check(f"http://[{address}]/" if ":" in address else f"http://{address}/", ["*"])


def test_an_international_host_name_is_checked_in_its_ascii_form():
    with pytest.raises(outbound.NotAllowed, match="xn--"):
        outbound.check("http://bücher.example/", ["example.org"])
    with pytest.raises(outbound.NotAllowed, match="not valid"):
        outbound.check("http://" + "a" * 70 + ".example/", ["*"])


def test_a_host_that_drips_its_answer_is_cut_off_at_the_deadline():
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def drip() -> None:
        connection, _ = server.accept()
        connection.recv(4096)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n")
        try:
            for _ in range(100):
                connection.sendall(b"x")
                time.sleep(0.1)
        except OSError:
            pass
        connection.close()

    threading.Thread(target=drip, daemon=True).start()
    target = outbound.check(f"http://127.0.0.1:{server.getsockname()[1]}/", ["127.0.0.1"], ["127.0.0.1/32"])
    started = time.monotonic()

    with pytest.raises(outbound.FetchError, match="within 1 s"):
        outbound.request(target, "GET", timeout_s=1.0)

    assert time.monotonic() - started < 3
    server.close()


def test_administrators_see_callbacks_and_tokens_without_their_secrets(
    admin_client, receiver, loopback_allowed, owner, token_and_secret
):
    ended_task_with_callback(owner, token_and_secret[0], receiver)
    Callback.objects.update(last_error="the receiver answered HTTP 500")

    callbacks_page = admin_client.get("/admin/studio_api/callback/")
    token_page = admin_client.get(f"/admin/studio_api/apitoken/{token_and_secret[0].pk}/change/")

    assert callbacks_page.status_code == 200 and "the receiver answered HTTP 500" in callbacks_page.text
    assert token_page.status_code == 200 and token_and_secret[0].prefix in token_page.text
    for secret in (token_and_secret[1], token_and_secret[0].digest, token_and_secret[0].signing_secret):
        assert secret not in token_page.text


def test_a_task_reported_as_outcome_unknown_that_resumes_is_reported_again_when_it_ends(
    receiver, loopback_allowed, owner, token_and_secret, django_capture_on_commit_callbacks
):
    generation = Generation.objects.create(user=owner, prompt="x", model="grok-imagine-video", kind="video",
                                           status="submitting")  # fmt: skip
    callbacks.register(generation, token_and_secret[0], receiver.url("/"), "http://testserver/")
    queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        generation.fail("No answer from xAI.", "outcome_unknown")
    run_queued_callbacks()
    assert Callback.objects.get().state == Callback.State.DELIVERED

    # xAI's answer to the start arrives after all: the studio follows the video again.
    assert generation.resume_processing("req-late")
    assert Callback.objects.get().state == Callback.State.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        generation.cancel()
    run_queued_callbacks()

    first, second = receiver.wait_for(2)
    assert json.loads(first.body)["errorCode"] == "outcome_unknown"
    assert json.loads(second.body)["status"] == "cancelled"
    # Another ending, another delivery id: a receiver that drops repeats keeps both.
    assert first.headers["X-Studio-Delivery"] != second.headers["X-Studio-Delivery"]
    assert Callback.objects.get().state == Callback.State.DELIVERED


def test_a_send_in_flight_when_the_task_reopens_does_not_count_for_the_new_round(
    receiver, loopback_allowed, owner, token_and_secret, monkeypatch
):
    generation = ended_task_with_callback(owner, token_and_secret[0], receiver)
    Callback.objects.update(next_attempt_at=timezone.now())
    # The task reopens while the receiver is still answering the first report.
    receiver.replies = [Reply(200)]
    original = outbound.request

    def reopen_during_send(*args, **kwargs):
        answer = original(*args, **kwargs)
        callbacks.task_reopened(generation.pk)
        return answer

    # The real request, with the reopening slipped in before its answer is recorded.
    monkeypatch.setattr(outbound, "request", reopen_during_send)
    callbacks.deliver(generation.pk)

    callback = Callback.objects.get()
    assert callback.state == Callback.State.WAITING and callback.round == 2 and callback.attempts == 0


@pytest.fixture
def tls_server(tmp_path):
    """An https server on loopback whose certificate says `localhost`, signed by a test CA."""
    import http.server
    import ssl
    import threading

    import trustme

    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = make_image("PNG")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    def serve(name: str):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert(name).configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    servers: list = []
    yield bundle, serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_https_goes_to_the_checked_address_and_verifies_the_certificate_for_the_host_name(
    tls_server, settings
):
    bundle, serve = tls_server
    port = serve("localhost")

    def fetch(ca_bundle: str | None) -> outbound.Answer:
        settings.STUDIO_API_CA_BUNDLE = ca_bundle
        # "localhost" resolves here and the connection goes to that checked address,
        # while TLS is asked for, and checked against, the name in the URL.
        url = f"https://localhost:{port}/ref.png"
        target = outbound.check(url, ["localhost"], ["127.0.0.0/8", "::1/128"])
        return outbound.request(target, "GET")

    assert fetch(str(bundle)).status == 200
    with pytest.raises(outbound.FetchError, match="certificate could not be verified"):
        fetch(None)  # the test CA is not one the system trusts


def test_a_certificate_for_another_name_is_refused(tls_server, settings):
    bundle, serve = tls_server
    port = serve("images.example.org")
    settings.STUDIO_API_CA_BUNDLE = str(bundle)
    target = outbound.check(f"https://localhost:{port}/", ["localhost"], ["127.0.0.0/8", "::1/128"])

    with pytest.raises(outbound.FetchError, match="certificate could not be verified"):
        outbound.request(target, "GET")


def test_each_checked_address_is_tried_until_one_answers(receiver):
    first = outbound.check(receiver.url("/"), ["127.0.0.1"], ["127.0.0.0/8"])
    # A host with two addresses, the first of which takes no connection.
    target = outbound.Target(first.scheme, first.host, first.port, ("127.0.0.2", "127.0.0.1"), "/x")
    receiver.routes["/x"] = Reply(200, b"here")

    assert outbound.request(target, "GET").body == b"here"
