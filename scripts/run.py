"""`make run`: database and Redis (embedded unless DATABASE_URL / REDIS_URL are set), migrations,
roles and demo data, then the web server, a Celery worker and Celery beat side by side.
Ctrl-C stops every child and then the embedded servers cleanly (nothing is lost).

It runs as in production (DEBUG off: gunicorn, static files through WhiteNoise, translated error
pages), only over plain http on 127.0.0.1 (see ``run_environment``). ``DEBUG=1 make run`` is the
development server instead (Django's runserver: reloads on code changes, the debug pages).
``WECOM_FAKE=1 make run`` also starts the fake WeCom server (office.wecom.fake) on 127.0.0.1:8025
(WECOM_FAKE_PORT), points every company's WeCom settings and a group robot at it, maps the users to
their usernames as WeCom user IDs, registers each company's callback with the fake (to tap approval
cards on its index page) and sends WeCom sign-in to the fake's QR login and OAuth pages
(WECOM_QR_URL, WECOM_OAUTH_URL)."""

import base64
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from services import ROOT, VAR, Services  # noqa: E402

PY = sys.executable


def run(args, env):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


TRUE = ("1", "true", "yes", "on")


def secret_key(var=VAR):
    """The key kept in var/secret_key, made (random, readable by its owner only) on the first run."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def field_key(var=VAR):
    """The key of the secrets stored encrypted (FIELD_ENCRYPTION_KEY), kept in var/field_key: a Fernet key
    (32 random bytes, url-safe Base64) made on the first run, readable by its owner only."""
    path = var / "field_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
    return path.read_text().strip()


def run_environment(environ, var=VAR):
    """The environment `make run` serves with: the key of the secrets stored encrypted from var/field_key
    (unless FIELD_ENCRYPTION_KEY is set); DEBUG off unless DEBUG=1 is set; then a persistent
    SECRET_KEY from var/ (unless one is set), ALLOWED_HOSTS 127.0.0.1 and localhost, and cookies and
    redirects for plain http on 127.0.0.1 (no https there). A value set in ``environ`` wins. The
    deployed defaults (erp/settings.py, `manage.py check --deploy`) are untouched."""
    env = dict(environ)
    env.setdefault("DEBUG", "0")
    if not env.get("FIELD_ENCRYPTION_KEY"):  # with DEBUG too: the secrets stay readable in either mode
        env["FIELD_ENCRYPTION_KEY"] = field_key(var)
    if env["DEBUG"].lower() in TRUE:
        return env
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = secret_key(var)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                 "SECURE_HSTS_INCLUDE_SUBDOMAINS"):
        env.setdefault(name, "0")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    return env


def fake_wecom_environment(environ):
    """With WECOM_FAKE=1: WeCom's API and its QR login and OAuth pages (office.wecom.signin) are the fake
    server's on 127.0.0.1:WECOM_FAKE_PORT (8025)."""
    env = dict(environ)
    base = f"http://127.0.0.1:{env.setdefault('WECOM_FAKE_PORT', '8025')}"
    env.update(WECOM_API_BASE=base, WECOM_QR_URL=f"{base}/wwlogin/sso/login",
               WECOM_OAUTH_URL=f"{base}/connect/oauth2/authorize")
    return env


def static_fingerprint(root=ROOT):
    """What the collected static files depend on: the project's static/ tree and the pinned packages
    (whose own static files come with them)."""
    digest = hashlib.sha256()
    for path in sorted([*(root / "static").rglob("*"), root / "requirements.txt"]):
        if path.is_file():
            info = path.stat()
            digest.update(f"{path.relative_to(root)}:{info.st_mtime_ns}:{info.st_size}\n".encode())
    return digest.hexdigest()


def collect_static(env, var=VAR):
    """collectstatic for WhiteNoise, skipped when nothing it depends on changed since the last run
    (it takes seconds: every file is fingerprinted and compressed)."""
    stamp, fingerprint = var / "staticfiles" / ".fingerprint", static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint and (var / "staticfiles" / "staticfiles.json").exists():
        return False
    run(["collectstatic", "--noinput", "-v", "0"], env)
    stamp.write_text(fingerprint)
    return True


def web_server(env, port):
    """gunicorn as in production; with DEBUG=1 the development server."""
    if env["DEBUG"].lower() in TRUE:
        return [PY, "manage.py", "runserver", f"127.0.0.1:{port}"]
    return [PY, "-m", "gunicorn", "erp.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--access-logfile", "-", "--graceful-timeout", "10", "--no-control-socket"]  # one per user's home otherwise


def main():
    started = time.monotonic()
    port = os.environ.get("PORT", "8000")
    services = Services()
    children = []

    def stop(*_):
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background would otherwise ignore SIGINT.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        env = run_environment(os.environ)
        env["DATABASE_URL"] = services.database_url(allow_local=False)
        env["REDIS_URL"] = services.redis_url(allow_local=False)
        demo = services.embedded_db or env.get("DEMO", "").lower() in ("1", "true", "yes", "on")
        password = env.setdefault("DEMO_PASSWORD", "demo1234")
        fake_wecom = env.get("WECOM_FAKE", "").lower() in TRUE
        if fake_wecom:  # WeCom's API on loopback (office.wecom.fake): companies' settings point at it
            env = fake_wecom_environment(env)
            children.append(subprocess.Popen([PY, "-m", "office.wecom.fake", "--port", env["WECOM_FAKE_PORT"]],
                                             cwd=ROOT, env=env))
        run(["migrate", "--noinput", "-v", "0"], env)
        run(["bootstrap", *(["--demo"] if demo else [])], env)
        if fake_wecom:
            run(["wecom_fake_setup", "--api-base", env["WECOM_API_BASE"], "--map-users",
                 "--callback-base", f"http://127.0.0.1:{port}"], env)
        VAR.mkdir(exist_ok=True)
        if env["DEBUG"].lower() not in TRUE:  # WhiteNoise serves the collected, fingerprinted files
            collect_static(env)
        children.append(subprocess.Popen(web_server(env, port), cwd=ROOT, env=env))
        children.append(subprocess.Popen(
            [PY, "-m", "celery", "-A", "erp", "worker", "-l", "info", "--concurrency", "2", "-n", "worker@%h"],
            cwd=ROOT, env=env,
        ))
        children.append(subprocess.Popen(
            [PY, "-m", "celery", "-A", "erp", "beat", "-l", "info", "--schedule", str(VAR / "celerybeat-schedule")],
            cwd=ROOT, env=env,
        ))
        time.sleep(2)
        print("\n" + "=" * 70)
        print(f"  ERP + MES is running on http://127.0.0.1:{port}/   (Ctrl-C stops everything)")
        print(f"  started in {time.monotonic() - started:.0f} s" + ("  (DEBUG=1: the development server)"
                                                                  if env["DEBUG"].lower() in TRUE else ""))
        if fake_wecom:
            print(f"  WeCom is the fake server on {env['WECOM_API_BASE']}/ (what it received is listed there:")
            print("  tap the approval cards there; 'Sign in with WeCom' shows its QR page; docs/office.md)")
        if demo:
            print(f"  Demo logins (password {password!r}): admin, manager, sales, salesmgr, purchasing,")
            print("  purchasing2, purchmgr, warehouse, production, quality, finance, hr, office")
        print("=" * 70 + "\n", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a child process stopped; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.time() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                child.kill()
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
