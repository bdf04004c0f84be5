# Naba in a container: `docker build -t naba .` then `docker run --env-file .env naba`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY prompts ./prompts
# Editable install: the prompts/ folder is read from beside the bot package.
RUN pip install -e . && useradd --create-home naba && mkdir -p /data && chown naba /data
USER naba
VOLUME ["/data"]
EXPOSE 8443 9000
CMD ["naba", "run"]
