#!/bin/sh
# shellcheck shell=dash
# CGI behind `ollama pull`: records the model name from the query string.
name=$QUERY_STRING
case "$name" in
  '' | *[!A-Za-z0-9._:/@-]*)
    printf 'Status: 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{"error":"bad model name"}\n'
    exit 0
    ;;
esac
grep -qxF "$name" /root/.ollama/models.txt 2>/dev/null || echo "$name" >>/root/.ollama/models.txt
/bin/ollama write-tags
printf 'Content-Type: application/json\r\n\r\n{"status":"success"}\n'
