"""`make run`: database and Redis (embedded unless DATABASE_URL / REDIS_URL are set), migrations,
roles and demo data, then the web server, a Celery worker and Celery beat side by side.
Ctrl-C stops every child and then the embedded servers cleanly (nothing is lost)."""

import os
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


def main():
    port = os.environ.get("PORT", "8000")
    services = Services()
    children = []

    def stop(*_):
        raise KeyboardInterrupt

    # Explicit handlers: a shell that starts us in the background would otherwise ignore SIGINT.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        env = dict(os.environ)
        env.setdefault("DEBUG", "1")  # a local development server; production runs gunicorn (README)
        env["DATABASE_URL"] = services.database_url(allow_local=False)
        env["REDIS_URL"] = services.redis_url(allow_local=False)
        demo = services.embedded_db or env.get("DEMO", "").lower() in ("1", "true", "yes", "on")
        password = env.setdefault("DEMO_PASSWORD", "demo1234")
        run(["migrate", "--noinput", "-v", "0"], env)
        run(["bootstrap", *(["--demo"] if demo else [])], env)
        VAR.mkdir(exist_ok=True)
        children.append(subprocess.Popen([PY, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env))
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
        if demo:
            print(f"  Demo logins (password {password!r}): admin, manager, sales, salesmgr, purchasing,")
            print("  warehouse, production, quality, finance, hr, office")
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
