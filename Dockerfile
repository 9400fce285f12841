# feedbench in one image, three roles (README.md, "Beyond one machine"):
#   server       npm run serve -- --scenario NAME --host 0.0.0.0 --port 8080 --idle
#   coordinator  npm run bench -- --loadgens N --listen 0.0.0.0:9000 --target http://SERVER:8080
#   generator    npm run loadgen -- --coordinator ws://COORDINATOR:9000 --index I
# The Node major the suite is pinned to (package.json engines); tsx runs the TypeScript as in development.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# many connections per generator: the pod's nofile limit comes from the container runtime (often 1,048,576)
CMD ["npm", "run", "bench", "--", "--help"]
