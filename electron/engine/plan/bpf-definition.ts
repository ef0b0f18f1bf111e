/**
 * The business process flow of one Leaf360 pipeline as XML for the Dynamics admin: the solution
 * `<Workflow>` entry (as customizations.xml carries it, category 4 = business process flow, [wf])
 * and the process XAML with one StageComposite per stage, in order, each with its stage category.
 *
 * Stage and process ids are derived from the unique names, so the same plan always yields the same
 * file. The layout follows exported solutions; it has not been imported into a live environment by
 * Leafbridge's tests (the sandbox takes the Web API form instead), so import it into a test
 * environment first.
 */
import { createHash } from 'node:crypto'
import type { PlannedProcess } from '../../shared/dto/plan'
import { escapeHtml as escapeXml } from '../reports/html-writer'

/** A deterministic GUID (name-based, SHA-1, version 5 layout) for `parts`. */
export function stableGuid(...parts: ReadonlyArray<string>): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

const CRM = 'Version=9.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35'
const activity = (name: string) => `Microsoft.Crm.Workflow.Activities.${name}, Microsoft.Crm.Workflow, ${CRM}`

/** The process id the definition uses. */
export const processGuid = (p: Pick<PlannedProcess, 'uniqueName'>): string =>
  stableGuid('leafbridge-bpf', p.uniqueName)

/** The stage ids, in order. */
export const stageGuids = (p: Pick<PlannedProcess, 'uniqueName' | 'stages'>): ReadonlyArray<string> =>
  p.stages.map((s) => stableGuid('leafbridge-bpf-stage', p.uniqueName, s.stageId))

/** The process XAML: an EntityComposite on opportunity holding one StageComposite per stage. */
export function processXaml(p: PlannedProcess): string {
  const id = processGuid(p).replace(/-/g, '')
  const ids = stageGuids(p)
  const stages = p.stages
    .map((s, i) => {
      const next = ids[i + 1]
      return `          <mxswa:ActivityReference AssemblyQualifiedName="${activity('StageComposite')}" DisplayName="StageStep${i + 1}: ${escapeXml(s.name)}">
            <mxswa:ActivityReference.Arguments>
              <InArgument x:TypeArguments="s:Guid" x:Key="StageId">${ids[i]}</InArgument>
              <InArgument x:TypeArguments="x:String" x:Key="StageCategory">${s.category}</InArgument>
              <InArgument x:TypeArguments="x:String" x:Key="NextStageId">${next ?? ''}</InArgument>
              <InArgument x:TypeArguments="x:String" x:Key="Description">${escapeXml(s.name)}</InArgument>
            </mxswa:ActivityReference.Arguments>
            <mxswa:ActivityReference.Properties>
              <sco:Collection x:TypeArguments="Activity" x:Key="Activities">
                <mxswa:ActivityReference AssemblyQualifiedName="${activity('StepComposite')}" DisplayName="StepStep${i + 1}: ${escapeXml(s.name)}">
                  <mxswa:ActivityReference.Arguments>
                    <InArgument x:TypeArguments="x:String" x:Key="Description">${escapeXml(`Leaf360 stage ${s.stageId}, ${s.probability} %`)}</InArgument>
                  </mxswa:ActivityReference.Arguments>
                </mxswa:ActivityReference>
              </sco:Collection>
            </mxswa:ActivityReference.Properties>
          </mxswa:ActivityReference>`
    })
    .join('\n')
  return `<Activity x:Class="XrmWorkflow${id}" xmlns="http://schemas.microsoft.com/netfx/2009/xaml/activities" xmlns:mxswa="clr-namespace:Microsoft.Xrm.Sdk.Workflow.Activities;assembly=Microsoft.Xrm.Sdk.Workflow, ${CRM}" xmlns:s="clr-namespace:System;assembly=mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" xmlns:sco="clr-namespace:System.Collections.ObjectModel;assembly=mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" xmlns:x="http://schemas.microsoft.com/winfx/2006/xaml">
  <mxswa:Workflow>
    <mxswa:ActivityReference AssemblyQualifiedName="${activity('EntityComposite')}" DisplayName="EntityStep1: ${p.primaryEntity}">
      <mxswa:ActivityReference.Arguments>
        <InArgument x:TypeArguments="x:String" x:Key="EntityLogicalName">${p.primaryEntity}</InArgument>
      </mxswa:ActivityReference.Arguments>
      <mxswa:ActivityReference.Properties>
        <sco:Collection x:TypeArguments="Activity" x:Key="Activities">
${stages}
        </sco:Collection>
      </mxswa:ActivityReference.Properties>
    </mxswa:ActivityReference>
  </mxswa:Workflow>
</Activity>`
}

/** Text safe inside an XML comment (no "--"). */
const comment = (text: string): string => escapeXml(text).replace(/-{2,}/g, (m) => m.split('').join(' '))

/** The importable XML definition of one process: the solution Workflow entry with its XAML inline. */
export function processDefinitionXml(p: PlannedProcess, generatedAt: string): string {
  const id = processGuid(p)
  const ids = stageGuids(p)
  const stageList = p.stages
    .map(
      (s, i) =>
        `      <ProcessStage ProcessStageId="{${ids[i]}}" Order="${i + 1}" StageCategory="${s.category}" Name="${escapeXml(s.name)}" LeafStageId="${escapeXml(s.stageId)}" Probability="${s.probability}" Outcome="${s.outcome}" />`,
    )
    .join('\n')
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- Business process flow for the Leaf360 pipeline "${comment(p.pipelineLabel)}" (${comment(p.pipelineId)}), generated by Leafbridge ${comment(generatedAt)}.
     Import it through a solution (customizations.xml <Workflows>), or let Leafbridge create it through the Web API (plan, then apply).
     Stages in order: ${comment(p.stages.map((s) => s.name).join(' > '))} -->
<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Workflows>
    <Workflow WorkflowId="{${id}}" Name="${escapeXml(p.name)}">
      <XamlFileName>/Workflows/${escapeXml(p.uniqueName)}-${id.toUpperCase()}.xaml</XamlFileName>
      <Type>1</Type>
      <Subprocess>0</Subprocess>
      <Category>4</Category>
      <Mode>0</Mode>
      <Scope>4</Scope>
      <OnDemand>0</OnDemand>
      <TriggerOnCreate>0</TriggerOnCreate>
      <TriggerOnDelete>0</TriggerOnDelete>
      <AsyncAutodelete>0</AsyncAutodelete>
      <SyncWorkflowLogOnFailure>0</SyncWorkflowLogOnFailure>
      <StateCode>1</StateCode>
      <StatusCode>2</StatusCode>
      <RunAs>1</RunAs>
      <IsTransacted>1</IsTransacted>
      <IntroducedVersion>1.0.0.0</IntroducedVersion>
      <IsCustomizable>1</IsCustomizable>
      <BusinessProcessType>0</BusinessProcessType>
      <UniqueName>${escapeXml(p.uniqueName)}</UniqueName>
      <PrimaryEntity>${p.primaryEntity}</PrimaryEntity>
      <LocalizedNames>
        <LocalizedName languagecode="1033" description="${escapeXml(p.name)}" />
      </LocalizedNames>
      <Descriptions>
        <Description languagecode="1033" description="${escapeXml(`Leaf360 pipeline ${p.pipelineLabel}${p.absorbs.length > 0 ? `; also takes the deals of ${p.absorbs.join(', ')}` : ''}.`)}" />
      </Descriptions>
      <ProcessStages>
${stageList}
      </ProcessStages>
      <Xaml><![CDATA[${processXaml(p).replace(/]]>/g, ']]]]><![CDATA[>')}]]></Xaml>
    </Workflow>
  </Workflows>
</ImportExportXml>
`
}
