/**
 * The only module that knows which web-component library draws the buttons, tabs, grids and form controls.
 *
 * @vscode/webview-ui-toolkit is deprecated upstream (archived January 2025). Everything toolkit-specific lives
 * here so that moving to @vscode-elements/elements (vscode-button, vscode-tabs, vscode-table, vscode-single-select,
 * vscode-checkbox, vscode-progress-ring) means rewriting this file and the tag names in the others, nothing more.
 * Other modules create elements by tag name and use plain DOM properties (`value`, `checked`, `disabled`) or the
 * small helpers below for the parts whose APIs differ between libraries (grid rows, the active tab).
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeBadge,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Defines the custom elements once. Must run before the first toolkit tag is created. */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridRow(),
    vsCodeDataGridCell(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeBadge(),
  );
}

/** A column of a data grid: the key in each row object and its heading. */
export interface GridColumn {
  key: string;
  title: string;
}

/** What the toolkit's data grid element accepts (FAST DataGrid); typed here so callers need no `any`. */
interface ToolkitDataGrid extends HTMLElement {
  rowsData: Record<string, string>[];
  columnDefinitions: { columnDataKey: string; title: string }[];
  generateHeader: 'none' | 'default' | 'sticky';
  gridTemplateColumns: string;
}

/**
 * Fills a `vscode-data-grid`. The toolkit renders cell text through data bindings (textContent), so strings
 * from a program are never parsed as HTML.
 */
export function setGridRows(
  grid: HTMLElement,
  columns: GridColumn[],
  rows: Record<string, string>[],
  template?: string,
): void {
  const g = grid as ToolkitDataGrid;
  g.generateHeader = 'sticky';
  if (template) g.gridTemplateColumns = template;
  g.columnDefinitions = columns.map((c) => ({ columnDataKey: c.key, title: c.title }));
  g.rowsData = rows;
}

/** The tab container's notion of "which tab is selected" (FAST Tabs: the `activeid` attribute/property). */
interface ToolkitPanels extends HTMLElement {
  activeid: string;
}

export function setActiveTab(panels: HTMLElement, tabId: string): void {
  (panels as ToolkitPanels).activeid = tabId;
}

/** Calls `onChange(tabId)` when the person selects a tab. */
export function onTabChange(panels: HTMLElement, onChange: (tabId: string) => void): void {
  panels.addEventListener('change', (ev) => {
    // The toolkit's dropdowns inside a panel also bubble 'change'; only the panels element's own event counts.
    if (ev.target !== panels) return;
    const id = (panels as ToolkitPanels).activeid;
    if (id) onChange(id);
  });
}

/** Tag names, so the other modules do not spell a library's names in many places. */
export const TAG = {
  button: 'vscode-button',
  checkbox: 'vscode-checkbox',
  dataGrid: 'vscode-data-grid',
  dropdown: 'vscode-dropdown',
  option: 'vscode-option',
  panels: 'vscode-panels',
  panelTab: 'vscode-panel-tab',
  panelView: 'vscode-panel-view',
  progressRing: 'vscode-progress-ring',
  badge: 'vscode-badge',
} as const;
