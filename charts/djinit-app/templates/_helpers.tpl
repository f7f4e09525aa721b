{{- /*
The plan: app.yaml checked against the platform, every default applied, as one JSON document that
every template reads (`include "djinit-app.plan" . | fromJson`). It mirrors djinit-kube's Plan
(Sources/DjinitKubeModel/Plan.swift), which is the reference: a test renders both for the golden
pairs and 200 random ones and compares them object for object. Every rule a schema cannot express
is checked here, and all problems fail the render together, each naming its value.
*/ -}}

{{- /* A duration like 1m30s in milliseconds. */ -}}
{{- define "djinit-app.milliseconds" -}}
{{- $total := 0 -}}
{{- $scales := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 -}}
{{- range regexFindAll "[0-9]+(ms|s|m|h)" . -1 -}}
{{- $amount := regexFind "^[0-9]+" . | int64 -}}
{{- $total = add $total (mul $amount (get $scales (regexReplaceAll "^[0-9]+" . ""))) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{- /* A quantity as written: a number Helm read from YAML, or text. */ -}}
{{- define "djinit-app.quantityText" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ int64 . }}{{ end -}}
{{- end -}}

{{- /* A quantity (list KIND TEXT, KIND cpu or bytes) in thousandths of a core or a byte, exactly as
djinit-kube's Quantity counts them. */ -}}
{{- define "djinit-app.milliUnits" -}}
{{- $kind := index . 0 -}}
{{- $text := index . 1 -}}
{{- $whole := regexFind "^[0-9]+" $text -}}
{{- $rest := trimPrefix $whole $text -}}
{{- $fraction := "" -}}
{{- if hasPrefix "." $rest -}}
{{- $fraction = regexFind "^[0-9]+" (trimPrefix "." $rest) -}}
{{- $rest = trimPrefix $fraction (trimPrefix "." $rest) -}}
{{- end -}}
{{- $multipliers := dict "cpu" 1000 "m" 1 "bytes" 1000 "k" 1000000 "M" 1000000000 "G" 1000000000000 "T" 1000000000000000 "Ki" 1024000 "Mi" 1048576000 "Gi" 1073741824000 "Ti" 1099511627776000 -}}
{{- $multiplier := get $multipliers (ternary $rest $kind (ne $rest "")) | int64 -}}
{{- $total := mul ($whole | int64) $multiplier -}}
{{- $scale := $multiplier -}}
{{- range splitList "" $fraction -}}
{{- if ne . "" -}}
{{- $scale = div $scale 10 -}}
{{- $total = add $total (mul (. | int64) $scale) -}}
{{- end -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{- /* The parts a cron field may hold (see CronField in Rules.swift): list FIELD LOW HIGH NAMES. */ -}}
{{- define "djinit-app.cronFieldValid" -}}
{{- $field := index . 0 -}}
{{- $low := index . 1 | int -}}
{{- $high := index . 2 | int -}}
{{- $names := index . 3 -}}
{{- $questionMark := index . 4 -}}
{{- $valid := true -}}
{{- range splitList "," $field -}}
{{- $parts := splitList "/" . -}}
{{- if gt (len $parts) 2 }}{{ $valid = false }}{{ end -}}
{{- if eq (len $parts) 2 -}}
{{- $step := index $parts 1 -}}
{{- if or (not (regexMatch "^[0-9]{1,2}$" $step)) (lt ($step | int) 1) (gt ($step | int) $high) }}{{ $valid = false }}{{ end -}}
{{- end -}}
{{- $base := index $parts 0 -}}
{{- if or (eq $base "*") (and (eq $base "?") $questionMark (eq (len $parts) 1)) -}}
{{- else -}}
{{- $ends := splitList "-" $base -}}
{{- if gt (len $ends) 2 }}{{ $valid = false }}{{ else -}}
{{- $values := list -}}
{{- range $ends -}}
{{- if regexMatch "^[0-9]{1,2}$" . -}}
{{- $values = append $values (. | int) -}}
{{- else if has (upper .) $names -}}
{{- $values = append $values (add (include "djinit-app.indexOf" (list (upper .) $names) | int) $low) -}}
{{- else -}}
{{- $values = append $values -1 -}}
{{- end -}}
{{- end -}}
{{- $first := index $values 0 -}}
{{- $last := index $values (sub (len $values) 1) -}}
{{- if or (lt $first $low) (gt $first $high) (lt $last $low) (gt $last $high) (gt $first $last) }}{{ $valid = false }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $valid -}}
{{- end -}}

{{- /* The index of ITEM in LIST (list ITEM LIST), or -1. */ -}}
{{- define "djinit-app.indexOf" -}}
{{- $item := index . 0 -}}
{{- $found := -1 -}}
{{- range $index, $value := index . 1 }}{{ if and (eq $found -1) (eq $value $item) }}{{ $found = $index }}{{ end }}{{ end -}}
{{- $found -}}
{{- end -}}

{{- /* Whether a cron schedule is one Kubernetes reads. */ -}}
{{- define "djinit-app.scheduleValid" -}}
{{- if has . (list "@hourly" "@daily" "@midnight" "@weekly" "@monthly" "@yearly" "@annually") -}}true
{{- else -}}
{{- $fields := splitList " " . -}}
{{- $months := list "JAN" "FEB" "MAR" "APR" "MAY" "JUN" "JUL" "AUG" "SEP" "OCT" "NOV" "DEC" -}}
{{- $days := list "SUN" "MON" "TUE" "WED" "THU" "FRI" "SAT" -}}
{{- if ne (len $fields) 5 -}}false
{{- else -}}
{{- and (eq (include "djinit-app.cronFieldValid" (list (index $fields 0) 0 59 (list) false)) "true")
        (eq (include "djinit-app.cronFieldValid" (list (index $fields 1) 0 23 (list) false)) "true")
        (eq (include "djinit-app.cronFieldValid" (list (index $fields 2) 1 31 (list) true)) "true")
        (eq (include "djinit-app.cronFieldValid" (list (index $fields 3) 1 12 $months false)) "true")
        (eq (include "djinit-app.cronFieldValid" (list (index $fields 4) 0 7 $days true)) "true") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* The resources of one container: the app's request, else the platform's defaults; each
checked against the platform's per-container maximum. (list REQUEST PLATFORM PATH PROBLEMS) */ -}}
{{- define "djinit-app.resources" -}}
{{- $request := index . 0 | default dict -}}
{{- $platform := index . 1 -}}
{{- $path := index . 2 -}}
{{- $resolved := dict -}}
{{- $problems := list -}}
{{- range $side := list "requests" "limits" -}}
{{- range $resource := list "cpu" "memory" -}}
{{- $sideValues := get $request $side | default dict -}}
{{- $given := hasKey $sideValues $resource -}}
{{- $text := ternary (include "djinit-app.quantityText" (get $sideValues $resource)) (get (get $platform.resources.defaults $side) $resource) $given -}}
{{- $kind := ternary "cpu" "bytes" (eq $resource "cpu") -}}
{{- $_ := set $resolved (printf "%s.%s" $side $resource) $text -}}
{{- if $given -}}
{{- $max := get $platform.resources.max $resource -}}
{{- if gt (include "djinit-app.milliUnits" (list $kind $text) | int64) (include "djinit-app.milliUnits" (list $kind $max) | int64) -}}
{{- $problems = append $problems (printf "%s.%s.%s: %s is above the platform's per-container maximum of %s" $path $side $resource $text $max) -}}
{{- end -}}
{{- if eq (include "djinit-app.milliUnits" (list $kind $text) | int64) 0 -}}
{{- $problems = append $problems (printf "%s.%s.%s: must be more than zero" $path $side $resource) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $resource := list "cpu" "memory" -}}
{{- $kind := ternary "cpu" "bytes" (eq $resource "cpu") -}}
{{- $requested := get $resolved (printf "requests.%s" $resource) -}}
{{- $limit := get $resolved (printf "limits.%s" $resource) -}}
{{- if gt (include "djinit-app.milliUnits" (list $kind $requested) | int64) (include "djinit-app.milliUnits" (list $kind $limit) | int64) -}}
{{- $problems = append $problems (printf "%s: the %s request %s is above its limit %s" $path (ternary "CPU" "memory" (eq $resource "cpu")) $requested $limit) -}}
{{- end -}}
{{- end -}}
{{- dict "resources" $resolved "problems" $problems | toJson -}}
{{- end -}}

{{- define "djinit-app.plan" -}}
{{- $v := .Values -}}
{{- $p := $v.platform -}}
{{- $c := include "djinit-app.constants" . | fromJson -}}
{{- $problems := list -}}

{{- /* The hoster's values are exactly those djinit-kube values wrote: a key the customer added under
platform changes their digest, and the hoster's digest wins the merge. */ -}}
{{- if ne (toJson $p | sha256sum) $v.platformDigest -}}
{{- fail "platform: the hoster's values differ from those djinit-kube values wrote (their digest does not match): platform may be set by the hoster only" -}}
{{- end -}}

{{- $name := $v.name -}}
{{- $plan := dict "name" $name "namespace" $p.namespace "argoCD" (hasKey $p "argocd") -}}

{{- /* The image: pinned, and by digest where the platform says so. */ -}}
{{- $image := $v.image -}}
{{- $digest := regexFind "@sha256:[a-f0-9]{64}$" $image -}}
{{- $repository := trimSuffix $digest $image -}}
{{- $tag := regexFind ":[A-Za-z0-9_][A-Za-z0-9_.-]*$" (regexReplaceAll "^.*/" $repository "") -}}
{{- if and (not $digest) (or (not $tag) (eq $tag ":latest")) -}}
{{- $problems = append $problems (printf "image: expected an image with a version tag or digest, like ghcr.io/acme/shop:1.4.2 (not 'latest'), got '%s'" $image) -}}
{{- end -}}
{{- if and $p.requireImageDigest (not $digest) -}}
{{- $problems = append $problems "image: the platform requires images pinned by digest (image@sha256:...)" -}}
{{- end -}}

{{- /* Replicas, bounded by the platform and by the volume's access mode. */ -}}
{{- $web := $v.web | default dict -}}
{{- $scaling := $web.autoscaling -}}
{{- $maxReplicas := $p.maxReplicas | int -}}
{{- $workerScaling := ($v.worker | default dict).autoscaling -}}
{{- range $path, $replicas := dict "web.replicas" $web.replicas "worker.replicas" (($v.worker | default dict).replicas) "web.autoscaling.maxReplicas" (($scaling | default dict).maxReplicas) "worker.autoscaling.maxReplicas" (($workerScaling | default dict).maxReplicas) -}}
{{- if and (not (kindIs "invalid" $replicas)) (gt ($replicas | int) $maxReplicas) -}}
{{- $problems = append $problems (printf "%s: %d is above the platform's maximum of %d" $path ($replicas | int) $maxReplicas) -}}
{{- end -}}
{{- end -}}
{{- if $scaling -}}
{{- if gt ($scaling.minReplicas | int) ($scaling.maxReplicas | int) -}}
{{- $problems = append $problems (printf "web.autoscaling.minReplicas: minReplicas %d is above maxReplicas %d" ($scaling.minReplicas | int) ($scaling.maxReplicas | int)) -}}
{{- end -}}
{{- if not (kindIs "invalid" $web.replicas) -}}
{{- $problems = append $problems "web.replicas: set either replicas or autoscaling, not both: the autoscaler owns the replica count" -}}
{{- end -}}
{{- end -}}

{{- /* Autoscaling through KEDA: what the platform offers, and what each trigger needs (PlanChecks). */ -}}
{{- $offered := $p.autoscaling -}}
{{- $webOnMetrics := and (not (not $scaling)) (ne $offered.web "cpu") -}}
{{- if $webOnMetrics -}}
{{- if not (($p.monitoring | default dict).prometheus) -}}
{{- $problems = append $problems (printf "platform.autoscaling.web: %s needs monitoring.prometheus, the Prometheus KEDA queries" $offered.web) -}}
{{- end -}}
{{- if semverCompare (printf "<%s" $c.metricsSince) $p.djinitVersion -}}
{{- $problems = append $problems (printf "platform.autoscaling.web: %s scales on metrics djinit %s brings, and the platform's images may carry djinit %s (djinitVersion)" $offered.web $c.metricsSince $p.djinitVersion) -}}
{{- end -}}
{{- if and (eq $offered.web "utilization") (eq (get ($v.config | default dict) $c.settings.httpInterface.name) "asgi") -}}
{{- $problems = append $problems (printf "config.%s: the platform scales the web on busy-worker utilization (platform.autoscaling.web), which the ASGI worker has no fixed capacity for: ask the hoster for backlog" $c.settings.httpInterface.name) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $plan "webScalesOnMetrics" $webOnMetrics -}}
{{- $async := get ($v.config | default dict) $c.asyncWorker -}}
{{- if eq $async "celery" -}}
{{- $_ := set $plan "queueSource" (dict "kind" "redis" "queues" (splitList "," (get ($v.config | default dict) $c.workerQueues | default $c.celeryDefaultQueues))) -}}
{{- else if eq $async "django-q" -}}
{{- $_ := set $plan "queueSource" (dict "kind" "djangoQ") -}}
{{- end -}}
{{- with $workerScaling -}}
{{- if hasKey $v.worker "replicas" -}}
{{- $problems = append $problems "worker.replicas: set either replicas or autoscaling, not both: the autoscaler owns the replica count" -}}
{{- end -}}
{{- if gt (.minReplicas | int) (.maxReplicas | int) -}}
{{- $problems = append $problems (printf "worker.autoscaling.minReplicas: minReplicas %d is above maxReplicas %d" (.minReplicas | int) (.maxReplicas | int)) -}}
{{- end -}}
{{- if and (eq (.minReplicas | int) 0) (not $offered.workersToZero) -}}
{{- $problems = append $problems "worker.autoscaling.minReplicas: the platform does not let workers scale to zero (autoscaling.workersToZero)" -}}
{{- end -}}
{{- if eq $async "celery" -}}
{{- if not (($p.broker | default dict).host) -}}
{{- $problems = append $problems "worker.autoscaling: scaling Celery workers on queue length needs the broker's host, which KEDA reads Redis at" -}}
{{- end -}}
{{- else if eq $async "django-q" -}}
{{- if not $p.database -}}
{{- $problems = append $problems "worker.autoscaling: scaling django-q2 workers on queue length needs the platform's database, where its queue is" -}}
{{- end -}}
{{- else -}}
{{- $problems = append $problems (printf "worker.autoscaling: scaling on queue length needs config.%s set to celery or django-q: the manifests cannot tell which broker auto would choose" $c.asyncWorker) -}}
{{- end -}}
{{- end -}}

{{- /* The volume: the platform must offer storage, big enough; ReadWriteOnce pins the web to one pod. */ -}}
{{- $singleNode := false -}}
{{- with $v.volume -}}
{{- if $p.storage -}}
{{- $size := include "djinit-app.quantityText" .size -}}
{{- if gt (include "djinit-app.milliUnits" (list "bytes" $size) | int64) (include "djinit-app.milliUnits" (list "bytes" $p.storage.maxSize) | int64) -}}
{{- $problems = append $problems (printf "volume.size: %s is above the platform's maximum volume size of %s" $size $p.storage.maxSize) -}}
{{- end -}}
{{- if eq (include "djinit-app.milliUnits" (list "bytes" $size) | int64) 0 -}}
{{- $problems = append $problems "volume.size: must be more than zero" -}}
{{- end -}}
{{- if eq $p.storage.accessMode "ReadWriteOnce" -}}
{{- $singleNode = true -}}
{{- if and (not (kindIs "invalid" $web.replicas)) (gt ($web.replicas | int) 1) -}}
{{- $problems = append $problems (printf "web.replicas: %d replicas, but the platform's volumes are ReadWriteOnce: one attaches to a single node, so the web runs as exactly one pod" ($web.replicas | int)) -}}
{{- end -}}
{{- if $scaling -}}
{{- $problems = append $problems "web.autoscaling: autoscaling, but the platform's volumes are ReadWriteOnce: one attaches to a single node, so the web runs as exactly one pod" -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- $problems = append $problems "volume: the platform offers no storage (platform.yaml has no storage section)" -}}
{{- end -}}
{{- range $taken := list $c.temporaryPath $c.secretsMountPath -}}
{{- if or (eq $.Values.volume.mountPath $taken) (hasPrefix (printf "%s/" $taken) $.Values.volume.mountPath) (hasPrefix (printf "%s/" $.Values.volume.mountPath) $taken) -}}
{{- $problems = append $problems (printf "volume.mountPath: %s overlaps %s; choose another path" $.Values.volume.mountPath $taken) -}}
{{- end -}}
{{- end -}}
{{- if regexMatch "(^|/)\\.\\.?(/|$)" .mountPath -}}
{{- $problems = append $problems (printf "volume.mountPath: %s has a '.' or '..' part; write the path itself" .mountPath) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $plan "volumeIsSingleNode" $singleNode -}}

{{- /* Hosts, the way in, and Ingress annotations. */ -}}
{{- if and $p.ingress $p.gateway -}}
{{- $problems = append $problems "platform.gateway: choose one way in: ingress or gateway, not both" -}}
{{- end -}}
{{- if and $v.hosts (not $p.ingress) (not $p.gateway) -}}
{{- $problems = append $problems "hosts: the platform does not expose apps (platform.yaml has neither an ingress nor a gateway section)" -}}
{{- end -}}
{{- range $host := $v.hosts | default list -}}
{{- if not (regexMatch "[a-z]" (regexReplaceAll "^.*\\." $host "")) -}}
{{- $problems = append $problems (printf "hosts: %s is an IP address, not a host name" $host) -}}
{{- end -}}
{{- end -}}
{{- range $key, $_ := (($v.ingress | default dict).annotations | default dict) -}}
{{- if hasSuffix "-snippet" $key -}}
{{- $problems = append $problems (printf "ingress.annotations.%s: snippet annotations inject raw controller configuration and are never allowed" $key) -}}
{{- else if $p.gateway -}}
{{- $problems = append $problems (printf "ingress.annotations.%s: the platform routes through a Gateway, and an HTTPRoute takes no Ingress annotations" $key) -}}
{{- else if not (and $p.ingress (has $key $p.ingress.allowedAnnotations)) -}}
{{- $problems = append $problems (printf "ingress.annotations.%s: annotation not allowed by the platform" $key) -}}
{{- end -}}
{{- end -}}

{{- /* Cron jobs: unique names, schedules Kubernetes reads. */ -}}
{{- $cronNames := list -}}
{{- range $index, $job := $v.cronJobs | default list -}}
{{- if has $job.name $cronNames -}}
{{- $problems = append $problems (printf "cronJobs: two cron jobs are named '%s'" $job.name) -}}
{{- end -}}
{{- $cronNames = append $cronNames $job.name -}}
{{- if ne (include "djinit-app.scheduleValid" $job.schedule) "true" -}}
{{- $problems = append $problems (printf "cronJobs[%d].schedule: '%s' is not a cron schedule Kubernetes reads" $index $job.schedule) -}}
{{- end -}}
{{- if eq (include "djinit-app.milliseconds" ($job.deadline | default (get $c.appDefaults "cronJobs.deadline")) | int64) 0 -}}
{{- $problems = append $problems (printf "cronJobs[%d].deadline: must be more than zero" $index) -}}
{{- end -}}
{{- end -}}

{{- if and $p.pooler (not $p.database) -}}
{{- $problems = append $problems "platform.pooler: a pooler needs the database section it pools connections to" -}}
{{- end -}}
{{- if and (eq $p.initStep "job") (not (hasKey $p "argocd")) -}}
{{- $problems = append $problems "platform.initStep: job runs the init step as an ArgoCD Sync hook, before the workloads; without the argocd section nothing orders it before the new pods serve" -}}
{{- end -}}

{{- /* Resources, each bounded by the platform's per-container maximum. */ -}}
{{- $resources := dict -}}
{{- range $component, $request := dict "web" $web.resources "worker" (($v.worker | default dict).resources) "beat" (($v.beat | default dict).resources) -}}
{{- $resolved := include "djinit-app.resources" (list $request $p (printf "%s.resources" $component)) | fromJson -}}
{{- $_ := set $resources $component $resolved.resources -}}
{{- $problems = concat $problems $resolved.problems -}}
{{- end -}}
{{- $cronResources := list -}}
{{- range $index, $job := $v.cronJobs | default list -}}
{{- $resolved := include "djinit-app.resources" (list $job.resources $p (printf "cronJobs[%d].resources" $index)) | fromJson -}}
{{- $cronResources = append $cronResources $resolved.resources -}}
{{- $problems = concat $problems $resolved.problems -}}
{{- end -}}
{{- $_ := set $resources "cron" $cronResources -}}
{{- $_ := set $plan "resources" $resources -}}

{{- /* The ConfigMap: the customer's variables, plus the settings the manifests were computed from,
pinned so that djinit uses the same values, and what the platform decides. */ -}}
{{- $config := $v.config | default dict -}}
{{- $hasSecrets := or (not (empty $v.secrets)) (hasKey $p "database") -}}
{{- $_ := set $plan "secretsPath" (ternary $c.secretsMountPath "" $hasSecrets) -}}
{{- $managed := dict -}}
{{- if $hasSecrets }}{{ $_ := set $managed $c.settings.secretsDir.name $c.secretsMountPath }}{{ end -}}
{{- with $p.database -}}
{{- $direct := printf "postgres://%s@%s:%d/%s" .user .host (.port | int) .name -}}
{{- if $p.pooler -}}
{{- $_ := set $managed $c.settings.databaseURL.name (printf "postgres://%s@%s-pgbouncer:%d/%s" .user $name ($c.poolerPort | int) .name) -}}
{{- $_ := set $managed $c.settings.migrateDatabaseURL.name $direct -}}
{{- else -}}
{{- $_ := set $managed $c.settings.databaseURL.name $direct -}}
{{- end -}}
{{- $options := $c.startupOptions -}}
{{- if hasKey $config $c.optionsVariable }}{{ $options = printf "%s %s" (get $config $c.optionsVariable) $c.startupOptions }}{{ end -}}
{{- $_ := set $managed $c.optionsVariable $options -}}
{{- end -}}
{{- /* Compatibility with the oldest djinit of the images: a setting it does not know would stop it at
start-up, so the customer may not set one, a feature that needs one is refused, and a pinned one is
left to that djinit's default. */ -}}
{{- $newer := printf ">%s" $p.djinitVersion -}}
{{- range $key, $_ := $config -}}
{{- $since := get $c.settingSince $key -}}
{{- if and $since (semverCompare $newer $since) -}}
{{- $problems = append $problems (printf "config.%s: arrived in djinit %s, and the platform's images may carry djinit %s (platform.yaml's djinitVersion), which would refuse it and not start" $key $since $p.djinitVersion) -}}
{{- end -}}
{{- end -}}
{{- range $key := keys $managed | sortAlpha -}}
{{- $since := get $c.settingSince $key -}}
{{- if and $since (semverCompare $newer $since) -}}
{{- $problems = append $problems (printf "platform.djinitVersion: the platform's setup needs %s, which arrived in djinit %s: raise djinitVersion once every image (and every image a rollback may return to) carries it" $key $since) -}}
{{- end -}}
{{- end -}}
{{- $reserved := without (keys $managed) $c.optionsVariable -}}
{{- if hasKey $p "database" }}{{ $reserved = append $reserved $c.passwordVariable }}{{ end -}}
{{- range $key, $_ := $config -}}
{{- if has $key $reserved -}}
{{- $problems = append $problems (printf "config.%s: set by djinit-kube from platform.yaml; remove it here" $key) -}}
{{- end -}}
{{- end -}}
{{- range $key, $_ := $v.secrets | default dict -}}
{{- if or (has $key $reserved) (hasKey $managed $key) -}}
{{- $problems = append $problems (printf "secrets.%s: set by djinit-kube from platform.yaml; remove it here" $key) -}}
{{- else if hasPrefix $c.ownPrefix $key -}}
{{- $problems = append $problems (printf "secrets.%s: djinit settings are not secrets: djinit reads them from its environment, before the secrets directory; put it in config" $key) -}}
{{- else if hasKey $config $key -}}
{{- $problems = append $problems (printf "secrets.%s: also set in config; keep one" $key) -}}
{{- end -}}
{{- end -}}
{{- $pinned := dict -}}
{{- range $knob := list "probePort" "httpPort" "drainDelay" "grace" "killGrace" -}}
{{- $setting := get $c.settings $knob -}}
{{- if not (semverCompare $newer (get $c.settingSince $setting.name)) -}}
{{- $_ := set $pinned $setting.name (get $config $setting.name | default $setting.default) -}}
{{- end -}}
{{- end -}}
{{- $data := dict -}}
{{- range $key, $value := $config }}{{ if not (or (hasKey $pinned $key) (hasKey $managed $key)) }}{{ $_ := set $data $key $value }}{{ end }}{{ end -}}
{{- $data = merge $data $pinned $managed -}}
{{- $_ := set $plan "config" $data -}}

{{- /* The settings the manifests depend on. */ -}}
{{- $setting := dict -}}
{{- range $knob := list "probePort" "httpPort" "drainDelay" "grace" "killGrace" "python" "managePy" -}}
{{- $descriptor := get $c.settings $knob -}}
{{- $_ := set $setting $knob (get $config $descriptor.name | default $descriptor.default) -}}
{{- end -}}
{{- $_ := set $plan "probePort" ($setting.probePort | int) -}}
{{- $_ := set $plan "httpPort" ($setting.httpPort | int) -}}
{{- $_ := set $plan "python" $setting.python -}}
{{- $_ := set $plan "managePy" $setting.managePy -}}
{{- $drainDelay := include "djinit-app.milliseconds" $setting.drainDelay | int64 -}}
{{- $grace := include "djinit-app.milliseconds" $setting.grace | int64 -}}
{{- $_ := set $plan "graceMilliseconds" $grace -}}
{{- $_ := set $plan "killGraceMilliseconds" (include "djinit-app.milliseconds" $setting.killGrace | int64) -}}
{{- if ge $drainDelay $grace -}}
{{- $problems = append $problems (printf "config.%s: %s (%s) must be shorter than %s (%s), the whole shutdown budget it is part of" $c.settings.drainDelay.name $c.settings.drainDelay.name $setting.drainDelay $c.settings.grace.name $setting.grace) -}}
{{- end -}}
{{- if eq ($setting.probePort | int) ($setting.httpPort | int) -}}
{{- $problems = append $problems (printf "config: %s and %s are both %d" $c.settings.probePort.name $c.settings.httpPort.name ($setting.httpPort | int)) -}}
{{- end -}}

{{- /* Kubernetes refuses a ConfigMap or Secret whose data is over 1 MiB. */ -}}
{{- $configBytes := 0 -}}
{{- range $key, $value := $data }}{{ $configBytes = add $configBytes (len $key) (len $value) }}{{ end -}}
{{- if gt $configBytes ($c.objectDataLimit | int) -}}
{{- $problems = append $problems (printf "config: the ConfigMap's data would be %d bytes; Kubernetes allows %d" $configBytes ($c.objectDataLimit | int)) -}}
{{- end -}}
{{- $secretBytes := 0 -}}
{{- range $key, $value := $v.secrets | default dict }}{{ $secretBytes = add $secretBytes (len $key) (len $value) }}{{ end -}}
{{- if gt $secretBytes ($c.objectDataLimit | int) -}}
{{- $problems = append $problems (printf "secrets: the sealed secrets are %d bytes; Kubernetes allows %d in one Secret" $secretBytes ($c.objectDataLimit | int)) -}}
{{- end -}}

{{- /* A hash of what the containers read at start-up but a Deployment does not show. */ -}}
{{- $hashed := "" -}}
{{- range $key := keys $data | sortAlpha }}{{ $hashed = printf "%sconfig:%s=%s\n" $hashed $key (get $data $key) }}{{ end -}}
{{- range $key := keys ($v.secrets | default dict) | sortAlpha }}{{ $hashed = printf "%ssecret:%s=%s\n" $hashed $key (get $v.secrets $key) }}{{ end -}}
{{- with $p.database }}{{ $hashed = printf "%sdatabase-password:%s/%s\n" $hashed .passwordSecret.name .passwordSecret.key }}{{ end -}}
{{- $_ := set $plan "configurationHash" ($hashed | sha256sum) -}}

{{- /* Replicas and the components that run the app's code. */ -}}
{{- if not $scaling }}{{ $_ := set $plan "webReplicas" ((default 1 $web.replicas) | int) }}{{ end -}}
{{- $_ := set $plan "webMinimumReplicas" (ternary (($scaling | default dict).minReplicas | default 1 | int) ((default 1 $web.replicas) | int) (not (not $scaling))) -}}
{{- $components := list "web" -}}
{{- if hasKey $v "worker" }}{{ $components = append $components "worker" }}{{ end -}}
{{- if hasKey $v "beat" }}{{ $components = append $components "beat" }}{{ end -}}
{{- if $v.cronJobs }}{{ $components = append $components "cron" }}{{ end -}}
{{- if eq $p.initStep "job" }}{{ $components = append $components "init" }}{{ end -}}
{{- $_ := set $plan "appComponents" $components -}}
{{- if hasKey $v "worker" -}}
{{- if $workerScaling -}}
{{- $_ := set $plan "workerMinimumReplicas" ($workerScaling.minReplicas | int) -}}
{{- else -}}
{{- $_ := set $plan "workerReplicas" (($v.worker | default dict).replicas | default (get $c.appDefaults "worker.replicas") | int) -}}
{{- $_ := set $plan "workerMinimumReplicas" $plan.workerReplicas -}}
{{- end -}}
{{- end -}}
{{- /* Beat runs under djinit beat's lock when the images' djinit has the command; the lock holders go
to PostgreSQL directly, past a pooler; the pods with a probe port serve /metrics. */ -}}
{{- $_ := set $plan "beatRunsUnderLock" (semverCompare (printf ">=%s" $c.beatSince) $p.djinitVersion) -}}
{{- if and $p.djinitImage (not (semverCompare (printf ">=%s" $c.injection.since) $p.djinitVersion)) -}}
{{- $problems = append $problems (printf "platform.djinitImage: the init container that copies djinit runs djinit install, which arrived in djinit %s, and the platform's images may carry djinit %s (djinitVersion)" $c.injection.since $p.djinitVersion) -}}
{{- end -}}
{{- $beatBesideWorker := and (hasKey $v "worker") (eq (get ($v.config | default dict) $c.beatBesideWorker) "true") -}}
{{- if and (hasKey $v "beat") (not (hasKey ($v.beat | default dict) "command")) (not $plan.beatRunsUnderLock) -}}
{{- $problems = append $problems (printf "beat: name the scheduler's command: the platform's images may carry djinit %s (djinitVersion), which has no djinit beat to run Celery beat by default" $p.djinitVersion) -}}
{{- end -}}
{{- if not $p.database -}}
{{- $why := "holds the beat lock, a PostgreSQL advisory lock, and the platform names no database (platform.yaml has no database section)" -}}
{{- if and (hasKey $v "beat") $plan.beatRunsUnderLock -}}
{{- $problems = append $problems (printf "beat: djinit beat %s" $why) -}}
{{- end -}}
{{- if $beatBesideWorker -}}
{{- $problems = append $problems (printf "config.%s: a worker with %s=true %s" $c.beatBesideWorker $c.beatBesideWorker $why) -}}
{{- end -}}
{{- end -}}
{{- $holders := list (ternary "init" "web" (eq $p.initStep "job")) -}}
{{- if $beatBesideWorker }}{{ $holders = append $holders "worker" }}{{ end -}}
{{- if and (hasKey $v "beat") $plan.beatRunsUnderLock }}{{ $holders = append $holders "beat" }}{{ end -}}
{{- $_ := set $plan "lockHolders" $holders -}}
{{- $probed := list "web" -}}
{{- if hasKey $v "worker" }}{{ $probed = append $probed "worker" }}{{ end -}}
{{- if and (hasKey $v "beat") $plan.beatRunsUnderLock }}{{ $probed = append $probed "beat" }}{{ end -}}
{{- $_ := set $plan "probedComponents" $probed -}}

{{- if $problems -}}
{{- fail (printf "\n%s" (join "\n" $problems)) -}}
{{- end -}}
{{- toJson $plan -}}
{{- end -}}

{{- /* The labels of every object of a component (list PLAN COMPONENT), or of the app as a whole. */ -}}
{{- define "djinit-app.labels" -}}
{{- $plan := index . 0 -}}
{{- $labels := dict "app.kubernetes.io/name" $plan.name "app.kubernetes.io/part-of" $plan.name "app.kubernetes.io/managed-by" "djinit-kube" -}}
{{- with index . 1 }}{{ $_ := set $labels "app.kubernetes.io/component" . }}{{ end -}}
{{- toJson $labels -}}
{{- end -}}

{{- /* What selects the pods of a component: the immutable subset of its labels. */ -}}
{{- define "djinit-app.selector" -}}
{{- $plan := index . 0 -}}
{{- dict "app.kubernetes.io/name" $plan.name "app.kubernetes.io/component" (index . 1) | toJson -}}
{{- end -}}

{{- /* Selects the pods of any of the components (list PLAN COMPONENTS). */ -}}
{{- define "djinit-app.selectorAnyOf" -}}
{{- $plan := index . 0 -}}
{{- dict "matchLabels" (dict "app.kubernetes.io/name" $plan.name) "matchExpressions" (list (dict "key" "app.kubernetes.io/component" "operator" "In" "values" (index . 1))) | toJson -}}
{{- end -}}

{{- /* An object's metadata (list PLAN NAME COMPONENT WAVE ANNOTATIONS); WAVE is prerequisites,
initHook or workloads, and counts only under ArgoCD. */ -}}
{{- define "djinit-app.metadata" -}}
{{- $plan := index . 0 -}}
{{- $annotations := index . 4 | default dict -}}
{{- $waves := dict "prerequisites" "-1" "initHook" "0" "workloads" "1" -}}
{{- if and $plan.argoCD (index . 3) }}{{ $_ := set $annotations "argocd.argoproj.io/sync-wave" (get $waves (index . 3)) }}{{ end -}}
{{- $metadata := dict "name" (index . 1) "namespace" $plan.namespace "labels" (include "djinit-app.labels" (list $plan (index . 2)) | fromJson) -}}
{{- if $annotations }}{{ $_ := set $metadata "annotations" $annotations }}{{ end -}}
{{- toJson $metadata -}}
{{- end -}}

{{- /* One Kubernetes object: (list API-VERSION KIND METADATA REST), REST a dict of the rest. Written
as JSON, which every YAML reader reads alike, as the chart's one escaping rule: Go's JSON writer
escapes what must be, and its YAML writer leaves values such as `<<` unquoted, which YAML 1.1 readers
(PyYAML, so checkov) take for a merge key. */ -}}
{{- define "djinit-app.object" -}}
---
{{ merge (dict "apiVersion" (index . 0) "kind" (index . 1) "metadata" (index . 2)) (index . 3) | toPrettyJson }}
{{- end -}}
