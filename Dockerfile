# Crucible Examples for self-hosting: one Streamlit process per container.
# Build: docker build -t crucible-examples .   Run: docker run -p 8501:8501 crucible-examples
# Several replicas behind nginx: see docs/deploy.md (compose file in deploy/).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY crucible_mock crucible_mock
COPY crucible_scenarios crucible_scenarios
COPY crucible_io crucible_io
COPY crucible_ui crucible_ui
COPY crucible_cli crucible_cli
# wheels only: nothing is compiled, so the image needs no build tools
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --only-binary=:all: --upgrade pip setuptools wheel \
    && /opt/venv/bin/pip wheel --only-binary=:all: --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --only-binary=:all: --no-index --find-links /wheels \
       crucible-examples

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 crucible
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=crucible:crucible Home.py ./
COPY --chown=crucible:crucible pages pages
COPY --chown=crucible:crucible .streamlit .streamlit
USER 10001
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "Home.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.headless=true", "--browser.gatherUsageStats=false", \
     "--server.fileWatcherType=none"]
