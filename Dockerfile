FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY craftreg ./craftreg
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/craftreg craftreg \
    && mkdir -p /var/lib/craftreg/keys && chown -R craftreg /var/lib/craftreg
USER craftreg
ENV CRAFTREG_KEY_DIR=/var/lib/craftreg/keys
EXPOSE 8000
CMD ["craftreg", "serve", "--host", "0.0.0.0", "--port", "8000"]
