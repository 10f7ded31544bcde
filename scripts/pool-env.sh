#!/usr/bin/env bash
# Prints a .env for the user pool that infra/cognito-pool.yaml created:
#
#   aws cloudformation deploy --template-file infra/cognito-pool.yaml --stack-name my-pool \
#     --parameter-overrides DomainPrefix=my-app AppUrl=https://app.example.com
#   scripts/pool-env.sh my-pool > .env
#
# Each stack output becomes the variable its key names (CognitoUserPoolId -> COGNITO_USER_POOL_ID).
# The app client's secret is not a stack output (anyone allowed to describe the stack could read
# it); it is read here with describe-user-pool-client. Uses the AWS CLI's own --query, so it
# needs nothing but `aws`; region and credentials come from the usual AWS_* settings.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
  echo "usage: $0 STACK_NAME > .env" >&2
  exit 2
fi
stack="$1"

outputs="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text)"
if [ -z "$outputs" ]; then
  echo "stack $stack has no outputs: was it created from infra/cognito-pool.yaml, and has it finished?" >&2
  exit 1
fi

declare -A values=()
while IFS=$'\t' read -r key value; do
  [ -n "$key" ] || continue
  name="$(printf '%s' "$key" | sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' | tr '[:lower:]' '[:upper:]')"
  values["$name"]="$value"
done <<<"$outputs"

for needed in COGNITO_REGION COGNITO_USER_POOL_ID COGNITO_DOMAIN COGNITO_CLIENT_ID; do
  if [ -z "${values[$needed]:-}" ]; then
    echo "stack $stack has no output for $needed: was it created from infra/cognito-pool.yaml?" >&2
    exit 1
  fi
done

secret="$(aws cognito-idp describe-user-pool-client --user-pool-id "${values[COGNITO_USER_POOL_ID]}" \
  --client-id "${values[COGNITO_CLIENT_ID]}" --query 'UserPoolClient.ClientSecret' --output text)"
# The CLI prints "None" for a client without a secret.
[ "$secret" != "None" ] || secret=""

echo "# From CloudFormation stack $stack (scripts/pool-env.sh). Keep this file private: it holds"
echo "# the app client's secret."
# Single quotes: COGNITO_SCOPES holds spaces, and nothing in these values needs escaping.
for name in $(printf '%s\n' "${!values[@]}" | sort); do
  echo "$name='${values[$name]}'"
done
echo "COGNITO_CLIENT_SECRET='$secret'"
