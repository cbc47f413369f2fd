{{/* Name of the chart, overridable with nameOverride. */}}
{{- define "readiness-gate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects: the release name when it already contains the chart name. */}}
{{- define "readiness-gate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "readiness-gate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "readiness-gate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "readiness-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "readiness-gate.labels" -}}
helm.sh/chart: {{ include "readiness-gate.chart" . }}
{{ include "readiness-gate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "readiness-gate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "readiness-gate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Leader election runs only when more than one replica could reconcile at once. */}}
{{- define "readiness-gate.leaderElect" -}}
{{- if gt (int .Values.replicas) 1 -}}true{{- end -}}
{{- end -}}

{{/* Name of the coordination.k8s.io Lease; one per release so two releases never share it. */}}
{{- define "readiness-gate.leaseName" -}}
{{- printf "%s-leader" (include "readiness-gate.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The permissions `readiness-gate run` uses on the namespaced kinds it watches, exactly:
  readinessgates          get (re-read after a 409 on a status write), list, watch
  readinessgates/status   update (status is written with PUT)
  deployments             list, watch, patch (pause: merge patch; rollback: JSON patch)
  replicasets             list, watch
  pods                    list, watch
  pods/status             patch (the gate's pod readiness condition)
  secrets, configmaps     list, watch (the secrets/env checks read keys; values are dropped)
  events                  create, patch (a repeated Event is patched: count, lastTimestamp)
tests/install/ asserts this list; change both together.
*/}}
{{- define "readiness-gate.watchRules" -}}
- apiGroups: [""]
  resources: [configmaps, pods, secrets]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [pods/status]
  verbs: [patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, patch, watch]
- apiGroups: [gates.readiness.dev]
  resources: [readinessgates]
  verbs: [get, list, watch]
- apiGroups: [gates.readiness.dev]
  resources: [readinessgates/status]
  verbs: [update]
{{- end -}}
