{{- /*
Containers and pods, as Workloads.swift builds them: every app container runs the image under
djinit with a restricted security context, a read-only root, an emptyDir /tmp and the secrets.
*/ -}}

{{- /* Whether the app's volume is mounted into pods of a component (list ROOT PLAN COMPONENT). A
ReadWriteOnce volume goes to the web pod alone: a second pod on another node could never attach it. */ -}}
{{- define "djinit-app.mountsVolume" -}}
{{- $v := (index . 0).Values -}}
{{- $plan := index . 1 -}}
{{- $component := index . 2 -}}
{{- and $v.volume (or (eq $component "web") (and (eq $component "init") (eq $v.platform.initStep "initContainer")) (and (not $plan.volumeIsSingleNode) (ne $component "init"))) -}}
{{- end -}}

{{- define "djinit-app.securityContext" -}}
{{- $user := . | int -}}
{{- dict "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true "runAsNonRoot" true "runAsUser" $user "runAsGroup" $user "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") | toJson -}}
{{- end -}}

{{- define "djinit-app.resourcesTree" -}}
{{- dict "requests" (dict "cpu" (get . "requests.cpu") "memory" (get . "requests.memory")) "limits" (dict "cpu" (get . "limits.cpu") "memory" (get . "limits.memory")) | toJson -}}
{{- end -}}

{{- /* An app container: (dict "root" $ "plan" PLAN "name" NAME "args" ARGS "component" C
"resources" R "ports" PORTS "probes" BOOL). */ -}}
{{- define "djinit-app.appContainer" -}}
{{- $v := .root.Values -}}
{{- $c := include "djinit-app.constants" .root | fromJson -}}
{{- $mounts := list (dict "name" "tmp" "mountPath" $c.temporaryPath) -}}
{{- if .plan.secretsPath }}{{ $mounts = append $mounts (dict "name" "secrets" "mountPath" .plan.secretsPath "readOnly" true) }}{{ end -}}
{{- if eq (include "djinit-app.mountsVolume" (list .root .plan .component)) "true" }}{{ $mounts = append $mounts (dict "name" "data" "mountPath" $v.volume.mountPath) }}{{ end -}}
{{- if $v.platform.djinitImage }}{{ $mounts = append $mounts (dict "name" "djinit" "mountPath" $c.injection.directory "readOnly" true) }}{{ end -}}
{{- $container := dict "name" .name "image" $v.image "imagePullPolicy" "Always" "args" .args -}}
{{- /* The image's own ENTRYPOINT is djinit; with djinitImage, the copy in the emptyDir is. */ -}}
{{- if $v.platform.djinitImage }}{{ $_ := set $container "command" (list $c.injection.binary) }}{{ end -}}
{{- if .ports }}{{ $_ := set $container "ports" .ports }}{{ end -}}
{{- $_ := set $container "envFrom" (list (dict "configMapRef" (dict "name" (printf "%s-config" .plan.name)))) -}}
{{- $_ := set $container "resources" (include "djinit-app.resourcesTree" .resources | fromJson) -}}
{{- $_ := set $container "securityContext" (include "djinit-app.securityContext" $v.platform.runAsUser | fromJson) -}}
{{- $_ := set $container "volumeMounts" $mounts -}}
{{- if .probes -}}
{{- $probe := dict -}}
{{- range $kind, $timing := dict "startupProbe" (list $c.probes.startup 2 150) "readinessProbe" (list $c.probes.ready 5 1) "livenessProbe" (list $c.probes.live 10 3) -}}
{{- $_ := set $container $kind (dict "httpGet" (dict "path" (index $timing 0) "port" "probe") "periodSeconds" (index $timing 1) "timeoutSeconds" 2 "failureThreshold" (index $timing 2)) -}}
{{- end -}}
{{- end -}}
{{- toJson $container -}}
{{- end -}}

{{- /* The volumes of an app pod (list ROOT PLAN COMPONENT): /tmp, the secrets, the app's volume. */ -}}
{{- define "djinit-app.appVolumes" -}}
{{- $v := (index . 0).Values -}}
{{- $plan := index . 1 -}}
{{- $c := include "djinit-app.constants" (index . 0) | fromJson -}}
{{- $volumes := list (dict "name" "tmp" "emptyDir" (dict "sizeLimit" $c.temporarySize)) -}}
{{- if $plan.secretsPath -}}
{{- $sources := list -}}
{{- if $v.secrets }}{{ $sources = append $sources (dict "secret" (dict "name" (printf "%s-secrets" $plan.name))) }}{{ end -}}
{{- with $v.platform.database -}}
{{- $sources = append $sources (dict "secret" (dict "name" .passwordSecret.name "items" (list (dict "key" .passwordSecret.key "path" $c.passwordVariable)))) -}}
{{- end -}}
{{- /* 0440: readable by the pod's group (fsGroup), which djinit runs in. */ -}}
{{- $volumes = append $volumes (dict "name" "secrets" "projected" (dict "defaultMode" 288 "sources" $sources)) -}}
{{- end -}}
{{- if eq (include "djinit-app.mountsVolume" (list (index . 0) $plan (index . 2))) "true" -}}
{{- $volumes = append $volumes (dict "name" "data" "persistentVolumeClaim" (dict "claimName" (printf "%s-data" $plan.name))) -}}
{{- end -}}
{{- if $v.platform.djinitImage }}{{ $volumes = append $volumes (dict "name" "djinit" "emptyDir" (dict "sizeLimit" $c.injection.size)) }}{{ end -}}
{{- toJson $volumes -}}
{{- end -}}

{{- /* The pod-level part every pod shares: (dict "root" $ "plan" PLAN "component" C "containers" L
"initContainers" L "volumes" L "terminationGrace" INT-or-nil "restartPolicy" S "spread" BOOL). */ -}}
{{- define "djinit-app.podSpec" -}}
{{- $v := .root.Values -}}
{{- $user := $v.platform.runAsUser | int -}}
{{- $spec := dict "serviceAccountName" .plan.name "automountServiceAccountToken" false "enableServiceLinks" false -}}
{{- with .restartPolicy }}{{ $_ := set $spec "restartPolicy" . }}{{ end -}}
{{- if not (kindIs "invalid" .terminationGrace) }}{{ $_ := set $spec "terminationGracePeriodSeconds" (.terminationGrace | int) }}{{ end -}}
{{- $_ := set $spec "securityContext" (dict "runAsNonRoot" true "runAsUser" $user "runAsGroup" $user "fsGroup" $user "seccompProfile" (dict "type" "RuntimeDefault")) -}}
{{- if and $v.imagePullSecret (ne .component "pgbouncer") }}{{ $_ := set $spec "imagePullSecrets" (list (dict "name" (printf "%s-registry" .plan.name))) }}{{ end -}}
{{- if .spread -}}
{{- /* Across nodes and zones, as evenly as the cluster allows: a preference, never a reason to leave a
pod pending. pod-template-hash keeps a rollout's surge pods from counting against the old ones. */ -}}
{{- $constraints := list -}}
{{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" -}}
{{- $constraints = append $constraints (dict "maxSkew" 1 "topologyKey" $key "whenUnsatisfiable" "ScheduleAnyway" "labelSelector" (dict "matchLabels" (include "djinit-app.selector" (list $.plan $.component) | fromJson)) "matchLabelKeys" (list "pod-template-hash")) -}}
{{- end -}}
{{- $_ := set $spec "topologySpreadConstraints" $constraints -}}
{{- end -}}
{{- $initContainers := .initContainers | default list -}}
{{- if and $v.platform.djinitImage (ne .component "pgbouncer") -}}
{{- /* djinit copies itself into the emptyDir: the djinit image has nothing else, not even cp. */ -}}
{{- $c := include "djinit-app.constants" .root | fromJson -}}
{{- $install := dict "name" "djinit-install" "image" $v.platform.djinitImage "imagePullPolicy" "Always" "command" (list $c.injection.imageBinary) "args" (list "install" $c.injection.target) "resources" (dict "requests" (dict "cpu" "10m" "memory" "16Mi") "limits" (dict "cpu" "100m" "memory" "32Mi")) "securityContext" (include "djinit-app.securityContext" $user | fromJson) "volumeMounts" (list (dict "name" "djinit" "mountPath" $c.injection.target)) -}}
{{- $initContainers = prepend $initContainers $install -}}
{{- end -}}
{{- if $initContainers }}{{ $_ := set $spec "initContainers" $initContainers }}{{ end -}}
{{- $_ := set $spec "containers" .containers -}}
{{- $_ := set $spec "volumes" .volumes -}}
{{- toJson $spec -}}
{{- end -}}

{{- /* A pod template (list PLAN COMPONENT SPEC). */ -}}
{{- define "djinit-app.template" -}}
{{- $plan := index . 0 -}}
{{- dict "metadata" (dict "labels" (include "djinit-app.labels" (list $plan (index . 1)) | fromJson) "annotations" (dict "djinit.io/configuration-hash" $plan.configurationHash)) "spec" (index . 2) | toJson -}}
{{- end -}}

{{- /* A Deployment (dict "plan" P "name" N "component" C "replicas" INT-or-nil "recreate" B
"podSpec" S "annotations" A "wave" W). */ -}}
{{- define "djinit-app.deployment" -}}
{{- $strategy := ternary (dict "type" "Recreate") (dict "type" "RollingUpdate" "rollingUpdate" (dict "maxSurge" 1 "maxUnavailable" 0)) .recreate -}}
{{- $spec := dict "revisionHistoryLimit" 5 "selector" (dict "matchLabels" (include "djinit-app.selector" (list .plan .component) | fromJson)) "strategy" $strategy "template" (include "djinit-app.template" (list .plan .component .podSpec) | fromJson) -}}
{{- if not (kindIs "invalid" .replicas) }}{{ $_ := set $spec "replicas" (.replicas | int) }}{{ end -}}
{{- include "djinit-app.object" (list "apps/v1" "Deployment" (include "djinit-app.metadata" (list .plan .name .component (.wave | default "workloads") .annotations) | fromJson) (dict "spec" $spec)) -}}
{{- end -}}

{{- /* The pod's terminationGracePeriodSeconds for a budget in milliseconds (list ROOT MS): the budget
rounded up, plus a margin for djinit's own exit and the kubelet's bookkeeping. */ -}}
{{- define "djinit-app.terminationGrace" -}}
{{- $c := include "djinit-app.constants" (index . 0) | fromJson -}}
{{- add (div (add (index . 1 | int64) 999) 1000) ($c.terminationMarginSeconds | int) -}}
{{- end -}}

{{- /* A PodDisruptionBudget, only where there are at least two pods (list PLAN NAME COMPONENT MINIMUM). */ -}}
{{- define "djinit-app.disruptionBudget" -}}
{{- $plan := index . 0 -}}
{{- if ge (index . 3 | int) 2 -}}
{{- include "djinit-app.object" (list "policy/v1" "PodDisruptionBudget" (include "djinit-app.metadata" (list $plan (index . 1) (index . 2) "workloads" dict) | fromJson) (dict "spec" (dict "maxUnavailable" 1 "selector" (dict "matchLabels" (include "djinit-app.selector" (list $plan (index . 2)) | fromJson)) "unhealthyPodEvictionPolicy" "AlwaysAllow"))) }}
{{- end -}}
{{- end -}}
