"""Simplified Chinese for the window's strings: (context, English) -> Chinese.

``resources/i18n/update.py`` writes these into ``hearth_zh_CN.ts`` (after ``pyside6-lupdate``)
and compiles ``hearth_zh_CN.qm``. Context ``*`` applies to a string in every context.
"""

ANY = {
    "Delete": "删除", "Rename…": "重命名…", "New chat": "新对话", "Documents": "文档", "Model": "模型",
    "Cancel": "取消", "Save": "保存", "Remove": "移除", "Password": "密码", "Name:": "名称：",
    "Context length": "上下文长度", "Prompt format": "提示格式", "from the model": "来自模型",
    "custom (set from the command line)": "自定义（由命令行设置）",
    "Checking against the loaded model…": "正在与已加载的模型核对…", "GPU layers": "GPU 层数", "Longest answer (tokens)": "最长回答（词元）",
    "GGUF models (*.gguf)": "GGUF 模型 (*.gguf)", "Size": "大小", "Download": "下载", "Open": "打开",
    "New": "新建", "More": "更多", "Apply": "应用", "Settings": "设置", "Retry": "重试",
}

TEXT = {
    "Chat": {
        "%.1f tok/s": "%.1f 词元/秒", "first token %.2f s": "首个词元 %.2f 秒", "context %d/%d": "上下文 %d/%d",
        "%d old turns left out": "省略了 %d 轮早先的对话", ", page %d": "，第 %d 页", "Copy": "复制",
        "Copy code": "复制代码", "Regenerate": "重新生成", "Edit": "编辑", "…": "…", "You": "你",
        "Hearth": "Hearth", "stopped": "已停止", "failed": "失败",
    },
    "ChatSettings": {"SmolLM2 135M (built in)": "SmolLM2 135M（内置）"},
    "Errors": {
        "The model stopped unexpectedly: %s. It restarts on your next message.":
            "模型意外停止：%s。发送下一条消息时会自动重启。",
        "File not found: %s": "找不到文件：%s",
        "Hearth may not read or write %s. Check the file's permissions.": "Hearth 无法读写 %s。请检查文件权限。",
        "Not enough memory. Try a smaller model or a shorter context in Settings.":
            "内存不足。请在设置中选择更小的模型或更短的上下文。",
        "Something went wrong: %s. Details are in the log.": "出了点问题：%s。详情见日志。",
        "Hearth hit a problem": "Hearth 遇到问题",
        "Your conversations are saved. If this keeps happening, copy the details into a bug report.":
            "你的对话已保存。如果问题反复出现，请复制详情并提交问题报告。",
        "Copy details": "复制详情",
    },
    "ModelsTable": {
        "Name": "名称", "Quantization": "量化", "Context": "上下文", "Architecture": "架构",
        "Fits this computer": "适合本机", "Source": "来源", "cannot be used": "无法使用", "yes": "是",
        "tight": "勉强", "too big": "太大", "built in": "内置", "downloaded": "已下载", "added": "已添加",
    },
    "ChatView": {
        "Ask anything. Your words stay on this computer.": "随便问。你说的话只留在这台电脑上。",
        "Message Hearth (Enter to send, Shift+Enter for a new line, / for templates)":
            "给 Hearth 发消息（Enter 发送，Shift+Enter 换行，/ 使用模板）",
        "Send": "发送", "Stop": "停止", "Stop the answer (Esc); what was written is kept": "停止回答（Esc）；已写出的内容会保留",
        "Thinking…": "思考中…", "Stopping…": "正在停止…", "Writing… (Esc to stop)": "正在写…（按 Esc 停止）",
        "Copied.": "已复制。", "Code copied.": "代码已复制。", "Edit message": "编辑消息",
        "Your message (the answer is written again on a new branch):": "你的消息（回答会在新分支上重新生成）：",
        "Passage": "段落", "Show passage %d": "显示段落 %d",
    },
    "ConversationList": {
        "Search chats (Ctrl+K)": "搜索对话（Ctrl+K）", "Start a new conversation (Ctrl+N)": "开始新对话（Ctrl+N）",
        "Undo": "撤销", "Unpin": "取消置顶", "Pin to top": "置顶", "Export as Markdown…": "导出为 Markdown…",
        "Rename chat": "重命名对话", "Title:": "标题：", "Deleted “%s”.": "已删除“%s”。", "Export chat": "导出对话",
    },
    "ConversationSettings": {
        "none (type / in the message box to use one)": "无（在输入框中输入 / 即可使用模板）",
        "Default system prompt (from Settings)": "默认系统提示（来自设置）", "Template": "模板",
        "System prompt": "系统提示", "none": "无",
    },
    "DocumentsPanel": {
        "Re-index all files": "重新索引全部文件", "Delete collection…": "删除文档集…", "Add files…": "添加文件…",
        "Add folder…": "添加文件夹…", "Watch added folders for changes": "监视已添加的文件夹的变化",
        "Drop files or folders anywhere on the window to add them.": "把文件或文件夹拖到窗口任意位置即可添加。",
        "File": "文件", "Status": "状态", "Chunks": "片段", "Opening the document index…": "正在打开文档索引…",
        "%s (%d files)": "%s（%d 个文件）", "indexed": "已索引", "needs password": "需要密码",
        "wrong password": "密码错误", "no text (scanned: needs OCR)": "没有文字（扫描件：需要 OCR）",
        "damaged": "文件损坏", "unsupported": "不支持", "too large": "太大", "timed out": "超时", "empty": "空文件",
        "garbled text": "文字乱码", "cancelled": "已取消", "queued": "排队中",
        "Double-click to enter the password.": "双击输入密码。",
        "Double-click to retry; right-click to remove.": "双击重试；右键移除。",
        "Add documents": "添加文档", "Add a folder": "添加文件夹", "Indexing into “%s”…": "正在索引到“%s”…",
        "%v of %m files": "%v / %m 个文件", "looking for files": "查找文件", "reading": "读取",
        "understanding": "理解", "done": "完成", "“%s”: %s %s": "“%s”：%s %s",
        "“%s”: %d files indexed, %d need attention.": "“%s”：已索引 %d 个文件，%d 个需要处理。",
        "Enter password…": "输入密码…", "Show reason": "显示原因", "Remove from collection": "从文档集中移除",
        "Password for %s:": "%s 的密码：", "New collection": "新建文档集", "Rename collection": "重命名文档集",
        "Delete collection": "删除文档集",
        "Delete “%s” and its index? Your files themselves are not touched.": "删除“%s”及其索引？你的文件本身不会受影响。",
        "Re-indexing “%s”…": "正在重新索引“%s”…", "No collections yet": "还没有文档集",
        "“%s”: %d files updated from a watched folder.": "“%s”：监视的文件夹中有 %d 个文件已更新。", "Folder to watch": "要监视的文件夹",
    },
    "MainWindow": {
        "This chat": "本对话", "Model: not loaded yet": "模型：尚未加载", "Prompts": "提示词", "Adapters": "适配器",
        "&File": "文件(&F)", "&New chat": "新对话(&N)", "&Import chat (JSON)…": "导入对话 (JSON)(&I)…",
        "&Add documents…": "添加文档(&A)…", "&Quit": "退出(&Q)", "&View": "视图(&V)", "Side &panel": "侧边栏(&P)",
        "&Search chats": "搜索对话(&S)", "&Models": "模型(&M)", "&Model manager…": "模型管理(&M)…",
        "&Settings": "设置(&S)", "&Settings…": "设置(&S)…", "&Help": "帮助(&H)", "&Welcome": "欢迎页(&W)",
        "Import chat": "导入对话", "Chats (*.json)": "对话 (*.json)", "Could not import %s: %s": "无法导入 %s：%s",
        "Model: loading…": "模型：加载中…", "Model: %s": "模型：%s", "Model: failed to load": "模型：加载失败",
    },
    "ModelManagerDialog": {
        "Models": "模型", "Reading the models…": "正在读取模型…", "Add from disk…": "从磁盘添加…",
        "Use for this chat": "用于本对话", "Cancel loading": "取消加载",
        "auto: as many as fit; 0: CPU only; -1: all layers": "auto：尽量多放；0：只用 CPU；-1：全部层",
        "from the model": "使用模型的设置", "Licence": "许可证", "Suits": "适合", "Fits this computer": "适合本机",
        "Cancel download": "取消下载",
        "Good instruction-following models. Downloads resume if interrupted and are checked before use.":
            "优秀的指令模型。下载中断后可继续，使用前会校验。",
        "Installed": "已安装", "No models yet. Add a GGUF file from disk or download one.": "还没有模型。请从磁盘添加 GGUF 文件或下载一个。",
        "%s: %s, %s, %s tokens of context, %s.": "%s：%s，%s，上下文 %s 个词元，%s。", "Add a model": "添加模型",
        "Checking %s…": "正在检查 %s…", "Added %s.": "已添加 %s。", "Not added: %s": "未添加：%s",
        "Loading %s…": "正在加载 %s…", "Loaded %s.": "已加载 %s。", "The model could not be loaded: %s": "无法加载模型：%s",
        "Loading cancelled.": "已取消加载。", "Saved; used the next time a model loads.": "已保存；下次加载模型时生效。",
        "Downloading %s…": "正在下载 %s…", "%s is ready.": "%s 已就绪。",
    },
    "SettingsDialog": {
        "Follow the system": "跟随系统", "Light": "浅色", "Dark": "深色", "Language": "语言", "Appearance": "外观",
        "Default system prompt": "默认系统提示", "General": "常规", "the built-in SmolLM2 model": "内置的 SmolLM2 模型",
        "Choose…": "选择…", "from the model (capped by memory)": "使用模型的设置（受内存限制）",
        "auto: as many layers as fit; 0: CPU only; -1: all layers": "auto：尽量多放；0：只用 CPU；-1：全部层",
        "Default model": "默认模型", "Temperature": "温度", "Top p": "Top p", "Top k": "Top k", "Min p": "Min p",
        "Repeat penalty": "重复惩罚", "Answers": "回答", "Changing it asks to re-index existing collections.":
            "更改后需要重新索引已有的文档集。", "Embedding model": "嵌入模型", "Conversations and documents": "对话和文档",
        "Cache": "缓存", "Logs": "日志", "Set HEARTH_HOME (or start with --home FOLDER) to keep everything elsewhere.":
            "设置 HEARTH_HOME（或用 --home 文件夹 启动）可把所有数据放到别处。", "Data": "数据",
        "Choose a model": "选择模型",
    },
    "WelcomeDialog": {
        "Welcome to Hearth": "欢迎使用 Hearth",
        "Hearth is an assistant that runs entirely on this computer. Your conversations and documents never leave it, and it works without an internet connection.":
            "Hearth 是一个完全在这台电脑上运行的助手。你的对话和文档永远不会离开这台电脑，没有网络也能使用。",
        "It starts with a small built-in model (SmolLM2, 135 million parameters) so you can chat right away. It is quick but simple; for better answers, download a larger model in the model manager.":
            "它自带一个小模型（SmolLM2，1.35 亿参数），可以马上开始聊天。它很快但比较简单；想要更好的回答，请在模型管理中下载更大的模型。",
        "Drop PDFs, Word files or text files on the window to ask questions about them; answers cite the page they came from.":
            "把 PDF、Word 或文本文件拖到窗口上，就可以就它们提问；回答会注明出处页码。",
        "See better models…": "查看更好的模型…", "Start chatting": "开始聊天",
    },
    "AdapterRow": {
        "No model loaded: not checked yet": "尚未加载模型：还没有检查", "Fits the loaded model": "适用于已加载的模型",
        "Refused: ": "已拒绝：",
    },
    "AdaptersPanel": {
        "Add adapter…": "添加适配器…", "Not added: ": "未添加：", "Added ": "已添加 ", "Remove adapter": "移除适配器",
        "Also delete the file {0}? (No keeps the file.)": "同时删除文件 {0}？（选“否”会保留文件。）",
        "Add a LoRA adapter": "添加 LoRA 适配器", "GGUF adapters (*.gguf)": "GGUF 适配器 (*.gguf)",
    },
    "PromptsPanel": {
        "Name": "名称", "Description": "说明", "System prompt": "系统提示", "Prompt": "提示词", "Variables": "变量",
        "Sampling": "采样", "History": "历史", "Saved {0} as version {1}": "已将 {0} 保存为第 {1} 版",
        "Duplicate": "复制一份", "New name:": "新名称：", "Delete template": "删除模板",
        "Delete {0} and all its versions?": "删除 {0} 及其所有版本？", "No changes": "没有改动",
        "Restored version {0} as version {1}": "已将第 {0} 版恢复为第 {1} 版", "Replace templates?": "替换模板？",
        "These templates exist already: {0}. Replace them?": "这些模板已存在：{0}。要替换吗？",
        "Imported: ": "已导入：", "Exported to ": "已导出到 ", "Import templates": "导入模板",
        "Templates (*.md *.txt)": "模板 (*.md *.txt)", "Export template": "导出模板", "Markdown (*.md)": "Markdown (*.md)",
    },
    "TemplatePicker": {"Use template": "使用模板"},
}
