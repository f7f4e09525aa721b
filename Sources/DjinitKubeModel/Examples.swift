import DjinitSettings

/// The commented example files `djinit-kube init` writes. A test renders them, so they stay valid.
public enum Examples {
    /// An example app.yaml using every section.
    public static let app = """
        # app.yaml: the application, written by its owner. Every key is checked: an unknown key,
        # a wrong type or a value beyond what platform.yaml allows is an error naming this file's line.
        # `djinit-kube schema app` prints the JSON Schema for your editor.

        # Names every object: a DNS label of at most 30 characters.
        name: shop

        # Pinned by a version tag or, better, a digest (some platforms require one). Never `latest`.
        image: ghcr.io/acme/shop:1.4.2@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945

        # Served over HTTPS (at most 16 names). Omit to serve nothing outside the cluster.
        hosts:
          - shop.example.com
          - www.shop.example.com

        # A private registry's .dockerconfigjson, sealed for this namespace and name:
        #   kubeseal --raw --namespace shop-prod --name shop-registry --from-file=.dockerconfigjson
        imagePullSecret:
          encryptedDockerConfigJson: AgBy3i4OJSWK+PiTySYZZA==

        # Secret variables, each sealed for this namespace and the name <name>-secrets:
        #   echo -n "$VALUE" | kubeseal --raw --namespace shop-prod --name shop-secrets
        # They reach the app as files that djinit turns into environment variables.
        secrets:
          DJANGO_SECRET_KEY: AgA2kl1Vq6G7M2Qz8Yw0bX4pR1s=

        # Plain variables. Quote every value: `"1"`, not 1. DJINIT_* names are djinit's settings,
        # checked as djinit checks them (`djinit config` lists them).
        config:
          DJANGO_SETTINGS_MODULE: "shop.settings"
          DJANGO_ALLOWED_HOSTS: "shop.example.com,www.shop.example.com"
          DJINIT_LOG_FORMAT: "json"

        # The web server (djinit run). Either a fixed number of replicas, or autoscaling.
        web:
          autoscaling:
            minReplicas: 2
            maxReplicas: 6
            targetCPUUtilization: 70
          resources:
            requests: {cpu: 250m, memory: 384Mi}
            limits: {cpu: "1", memory: 384Mi}

        # Background workers (djinit async). Omit for none.
        worker:
          replicas: 2

        # A periodic-task scheduler: always exactly one.
        beat:
          command: [celery, -A, shop, beat, --schedule, /tmp/celerybeat-schedule]

        # manage.py commands on a schedule (UTC), each through `djinit exec`.
        cronJobs:
          - name: clearsessions
            schedule: "17 3 * * *"
            command: [clearsessions]
            deadline: 10m

        # A persistent volume, e.g. for media. Whether the web can scale depends on the platform's
        # access mode: ReadWriteOnce means exactly one web pod.
        volume:
          size: 5Gi
          mountPath: /app/media

        """

    /// An example platform.yaml using every section.
    public static let platform = """
        # platform.yaml: where and within which bounds the app runs, written by the hoster only.
        # It wins every conflict with app.yaml. `djinit-kube schema platform` prints its JSON Schema.

        namespace: shop-prod

        # The oldest djinit the app's images carry (djinit --version), rollbacks included: the
        # manifests set only the settings it knows. Raise it once no image carries an older one.
        djinitVersion: \(Release.current)

        # initContainer: migrations run in each new web pod before it serves.
        # job: an ArgoCD Sync hook runs them once, before the workloads sync (needs the argocd section below).
        initStep: job

        # Refuse images that are not pinned by digest.
        requireImageDigest: true

        # For app images built without djinit: every app pod copies djinit from this image (the
        # Dockerfile's djinit target) in an init container, and runs it from there.
        #   djinitImage: registry.example.com/platform/djinit:0.2.0@sha256:...

        # The UID and GID of every container (above 10000).
        runAsUser: 10001

        # The most pods of one kind app.yaml may ask for.
        maxReplicas: 10

        resources:
          defaults:
            requests: {cpu: 100m, memory: 256Mi}
            limits: {cpu: 500m, memory: 256Mi}
          max: {cpu: "2", memory: 2Gi}

        quota:
          cpu: "16"
          memory: 32Gi
          storage: 50Gi
          pods: 60

        storage:
          className: nfs-client
          accessMode: ReadWriteMany
          maxSize: 20Gi

        # The way in: an Ingress with cert-manager certificates, or else an HTTPRoute on your
        # Gateway, TLS ending at its HTTPS listener:
        #   gateway:
        #     name: public
        #     namespace: gateway-system
        #     listener: https
        #     proxies:
        #       namespace: gateway-system
        #       podSelector: {gateway.networking.k8s.io/gateway-name: public}
        ingress:
          className: nginx
          clusterIssuer: letsencrypt-prod
          controller:
            namespace: ingress-nginx
            podSelector:
              app.kubernetes.io/name: ingress-nginx
          allowedAnnotations:
            - nginx.ingress.kubernetes.io/proxy-body-size

        # The app's role's password, in a Secret of the app's namespace, reaches the app as PGPASSWORD.
        database:
          host: shop-db-rw.databases.svc.cluster.local
          port: 5432
          name: shop
          user: shop
          passwordSecret: {name: shop-db-app, key: password}
          namespace: databases
          podSelector:
            cnpg.io/cluster: shop-db

        # PgBouncer in transaction pooling; the app's DATABASE_URL points at it, migrations go
        # straight to PostgreSQL. Set DISABLE_SERVER_SIDE_CURSORS = True in Django's DATABASES.
        pooler:
          image: ghcr.io/acme/pgbouncer:1.23.1@sha256:0f3c2a6b8e4d1c9f7a5b3e2d1c0b9a8f7e6d5c4b3a2918070605040302010000
          replicas: 2
          userlistSecret: {name: shop-pgbouncer-auth, key: userlist.txt}

        broker:
          namespace: redis
          podSelector:
            app.kubernetes.io/name: redis
          port: 6379

        # Prometheus, which scrapes djinit's /metrics through a PodMonitor, and what app.yaml's
        # autoscaling scales on: the web on cpu, or through KEDA on busy-worker utilization or on
        # backlog; workers on their queue length (Celery's needs the broker's host):
        #   monitoring:
        #     namespace: monitoring
        #     podSelector: {app.kubernetes.io/name: prometheus}
        #     podMonitorLabels: {release: prometheus}
        #     prometheus: http://prometheus-operated.monitoring.svc:9090
        #   autoscaling:
        #     web: utilization
        #     utilizationTarget: 70

        # How ArgoCD delivers the app: `djinit-kube argocd` writes its Application and AppProject.
        # With it, the init Job is a Sync hook and every object has a sync wave.
        argocd:
          project: shop-prod
          # The djinit-app chart, pinned.
          chart:
            repoURL: oci://registry.example.com/charts
            chart: djinit-app
            version: 0.2.0
          # The customer's repository: its app.yaml is the chart's value file.
          app:
            repoURL: https://git.example.com/customers/shop.git
            revision: main
            valuesFile: app.yaml

        """
}
