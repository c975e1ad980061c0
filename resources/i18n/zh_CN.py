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
        "%d of %d sentences supported": "%d / %d 句有依据", "your message was cut to fit the context": "你的消息被截短以适应上下文",
        "the model was restarted first: %s": "先重启了模型：%s",
        "Not kept. Checked against your documents: %s": "未采用。与你的文档核对：%s",
        "Checked against your documents: %s": "与你的文档核对：%s",
        "Show the kept answer ›": "显示采用的回答 ›", "Show the first answer ›": "显示第一次的回答 ›",
        "Show the re-answer ›": "显示重新作答的回答 ›",
        "From general knowledge, not your documents": "来自常识，而非你的文档",
        "Answer anyway from general knowledge ›": "仍然根据常识回答 ›",
        "%d tokens": "%d 个词元", "%.1f s": "%.1f 秒", "Thinking…": "思考中…", "✓ Good": "✓ 好", "✗ Bad": "✗ 差",
        "page %d": "第 %d 页",
        "The number %s is in none of the passages.": "段落中都没有数字 %s。",
        "The name %s is in none of the passages.": "段落中都没有名称 %s。",
        "The link %s is in none of the passages.": "段落中都没有链接 %s。",
        "It repeats an instruction found inside a document.": "它复述了文档中的一条指令。",
        "Retrieved for this question, but the answer does not cite it.": "为这个问题检索到了，但回答没有引用它。",
        "The passage is on page %d (your viewer may open the file at its first page).":
            "该段落在第 %d 页（你的阅读器可能会从第一页打开文件）。",
        "Write a better answer…": "写一个更好的回答…",
        "interrupted (Hearth closed while writing it)": "已中断（写到一半时 Hearth 被关闭）",
        "Copy this code": "复制这段代码",
        "Ask the model again without your documents; the answer is marked as general knowledge and this one stays (‹ › switches)":
            "不用你的文档再问一次模型；新回答会标为常识，这个回答也会保留（用 ‹ › 切换）",
        "Both answers are kept: this shows the other one (branch ‹ › switches back)":
            "两个回答都已保留：这里显示另一个（用分支 ‹ › 切换回去）",
        "Your documents do not contain the answer; the model answered from what it learnt in training, unchecked. It may be wrong.":
            "你的文档中没有答案；模型根据训练中学到的知识作答，未经核对，可能有误。",
        "Rate this answer bad and write what it should have said (kept for exports and evaluation sets)":
            "把这个回答评为差，并写出应有的回答（保存下来，用于导出和评测集）",
        "You rated this answer good (click to take it back)": "你把这个回答评为好（点击可撤回）",
        "Good answer": "好回答", "You rated this answer bad (click to take it back)": "你把这个回答评为差（点击可撤回）",
        "Bad answer": "差回答", "Retrieved, not cited:": "检索到但未引用：",
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
        "Conversation": "对话",
        "The messages of this chat, oldest first; the menu key or a right click offers copy, regenerate and each source's passage":
            "本对话的消息，从早到晚排列；按菜单键或右键可复制、重新生成、查看每个来源的段落",
        "Message": "消息",
        "Enter sends, Shift+Enter starts a new line, / lists the templates, Up in the empty box edits the last question":
            "Enter 发送，Shift+Enter 换行，/ 列出模板，在空输入框中按 ↑ 编辑上一个问题",
        "Attach files: they are added to this chat's documents, and answers search them (you can also drop files here)":
            "附加文件：它们会加入本对话的文档，回答时会检索它们（也可以把文件拖到这里）",
        "Attach files": "附加文件", "Your message waits: the attached files are still being indexed.":
            "你的消息正在等待：附加的文件还在建立索引。",
        "Attach files to this chat": "为本对话附加文件", "The files were not attached: %s": "文件未能附加：%s",
        "Waiting for the attached files to be indexed, so the answer can use them": "正在等待附加的文件建立索引，以便回答能用上它们",
        "Send (Enter)": "发送（Enter）",
        "Editing your last question: Enter answers it again on a new branch, Esc cancels.":
            "正在编辑你的上一个问题：按 Enter 在新分支上重新回答，按 Esc 取消。",
        "Last answer copied.": "已复制上一个回答。", "Send to another computer?": "发送到另一台电脑？",
        "Send this chat to %s?": "把这个对话发送到 %s？",
        "Your messages in this chat, and passages from your documents, would be sent to the model server %s. Hearth asks once for each server.":
            "你在本对话中的消息以及文档中的段落将被发送到模型服务器 %s。每个服务器 Hearth 只询问一次。",
        "Nothing was sent to %s.": "没有向 %s 发送任何内容。", "Copied with the thinking.": "已连同思考过程一起复制。",
        "Your rating was not kept: %s": "你的评价未能保存：%s",
        "Thanks: kept as a good answer, with the question and its passages.": "谢谢：已作为好回答保存，连同问题及其段落。",
        "Thanks: kept as a bad answer, with your better answer, the question and its passages.":
            "谢谢：已作为差回答保存，连同你写的更好的回答、问题及其段落。",
        "Thanks: kept as a bad answer, with the question and its passages.": "谢谢：已作为差回答保存，连同问题及其段落。",
        "Rating taken back.": "已撤回评价。", "Showing the answer that was kept.": "正在显示采用的回答。",
        "Showing the answer that was not kept; ‹ › switches back.": "正在显示未采用的回答；用 ‹ › 切换回去。",
        "This file is not in any of your document collections, so Hearth does not open it. The passage:":
            "这个文件不在你的任何文档集中，所以 Hearth 不会打开它。段落内容：",
        "Opened %s at page %d, the passage highlighted.": "已打开 %s 的第 %d 页，并高亮了该段落。",
        "Opened %s at the passage.": "已打开 %s 并定位到该段落。", "Page %d:": "第 %d 页：",
        "Copy with thinking": "连同思考过程复制",
    },
    "ConversationList": {
        "Search chats (Ctrl+K)": "搜索对话（Ctrl+K）", "Start a new conversation (Ctrl+N)": "开始新对话（Ctrl+N）",
        "Undo": "撤销", "Unpin": "取消置顶", "Pin to top": "置顶", "Export as Markdown…": "导出为 Markdown…",
        "Rename chat": "重命名对话", "Title:": "标题：", "Deleted “%s”.": "已删除“%s”。", "Export chat": "导出对话",
        "Chat title": "对话标题", "Search chats": "搜索对话", "Chats": "对话", "Undo delete": "撤销删除",
        "Pinned": "已置顶", "Today": "今天", "Yesterday": "昨天", "Previous 7 days": "过去 7 天",
        "Previous 30 days": "过去 30 天", "Older": "更早", "Deleted chats…": "已删除的对话…",
        "Export as JSON (for Import)…": "导出为 JSON（可再导入）…", "Could not write %1: %2": "无法写入 %1：%2",
        "Markdown (*.md)": "Markdown (*.md)", "Chats (*.json)": "对话 (*.json)",
    },
    "ConversationSettings": {
        "none (type / in the message box to use one)": "无（在输入框中输入 / 即可使用模板）",
        "Default system prompt (from Settings)": "默认系统提示（来自设置）", "Template": "模板",
        "System prompt": "系统提示", "none": "无",
        "Balanced": "平衡", "Says so when the documents do not contain the answer": "文档中没有答案时会明确说明",
        "Strict": "严格", "Answers from the documents only": "只根据文档回答",
        "Off": "关闭", "Shows the model's words as written": "按原样显示模型写出的内容",
        "Check answers against the documents": "对照文档核对回答", "Re-answer if unsupported": "无依据时重新作答", "Let the model double-check": "让模型再核对一遍",
        "Sentences that the documents do not support word for word are put to the model (yes or no) before they are marked as not found":
            "文档中找不到逐字依据的句子，先交给模型判断（是或否），再标记为未找到",
        "When part of an answer is not in the documents, answer once more from the matching sentences and keep the better-supported answer":
            "回答中有部分内容在文档里找不到时，根据相符的句子再回答一次，保留依据更充分的那个回答",
        "Read less (faster)": "少读一些（更快）",
        "Give the model only the passage sentences that matter for the question: a shorter prompt and a faster first word":
            "只把段落中与问题相关的句子交给模型：提示更短，第一个字出来得更快",
        "Check answers": "核对回答",
    },
    "DocumentsPanel": {
        "%s\nin “%s”": "%s\n在“%s”中", "indexed (OCR)": "已索引（OCR）", "skipped": "已跳过", "not found": "找不到",
        "Hearth reads only regular files, and follows links only inside the folder; right-click to remove the row.":
            "Hearth 只读取普通文件，只跟随文件夹内部的链接；右键可移除这一行。",
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
        "The Prompts and Adapters tabs could not be opened: %s": "无法打开“提示词”和“适配器”标签页：%s",
        "&Deleted chats…": "已删除的对话(&D)…", "&Chat": "对话(&C)", "&Copy last answer": "复制上一个回答(&C)",
        "&Edit last question\tUp": "编辑上一个问题(&E)\tUp", "&Stop the answer\tEsc": "停止回答(&S)\tEsc",
        "&Find online…": "在线查找(&F)…", "Add a &server…": "添加服务器(&S)…", "&Tools": "工具(&T)",
        "&Evaluate answers…": "评测回答(&E)…", "&Quality dashboard…": "质量看板(&Q)…", "&Keyboard shortcuts": "键盘快捷键(&K)",
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
        "Find online…": "在线查找…",
        "Search the Hugging Face hub for GGUF models; nothing is sent until you search.":
            "在 Hugging Face Hub 上搜索 GGUF 模型；在你搜索之前不会发送任何内容。",
        "%s (unverified)": "%s（未验证）",
        "No checksum for %s has been published with Hearth's catalog, so Hearth cannot prove the file is the one its authors released; only its size (and the checksum the hub announces, if any) is checked.":
            "Hearth 的模型目录没有发布 %s 的校验和，因此 Hearth 无法证明该文件就是作者发布的那个；只会检查它的大小（以及 Hub 公布的校验和，如果有）。",
        "Download an unverified model?": "下载未经验证的模型？", "Download it anyway?": "仍然下载？",
        "%s is already downloading.": "%s 已在下载中。", "%s was not downloaded.": "%s 未下载。",
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
        "The size of all text: the chat, the lists and the dialogs": "所有文字的大小：对话、列表和对话框",
        "none: answers get no system prompt": "无：回答时不使用系统提示", "Text size": "文字大小",
        "Choose the default model": "选择默认模型",
        "The saved Hugging Face token was removed from the keyring.": "已从系统密钥环中移除保存的 Hugging Face 令牌。",
        "Hugging Face token": "Hugging Face 令牌", "paste a token to save or replace it": "粘贴令牌以保存或替换",
        "Needed only for gated models. Kept in the system keyring, never in the settings file; sent only to huggingface.co.":
            "只有受限模型才需要。保存在系统密钥环中，绝不写入设置文件；只会发送给 huggingface.co。",
        "Forget saved token": "忘记保存的令牌", "Open the folder: %s": "打开文件夹：%s", "Local server": "本机服务器",
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
        "Open a chat to choose the adapters its answers use.": "打开一个对话，为它的回答选择适配器。",
        "This chat's answers use the adapters switched on below, and these, which are not in the library: ":
            "本对话的回答使用下面已开启的适配器，以及这些不在库中的适配器：",
        "Switched on: the adapters this chat's answers use.": "已开启：本对话的回答所用的适配器。",
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
        "name = default, one per line": "名称 = 默认值，每行一个", "Import…": "导入…", "Export…": "导出…",
        "Use as persona": "用作人设", "Diff with current": "与当前版本对比", "Restore": "恢复", "(built-in)": "（内置）",
        "Rendering {0}…": "正在生成 {0}…",
    },
    "TemplatePicker": {"Use template": "使用模板", "Rendering the template…": "正在生成模板内容…"},
    "AttachBar": {
        "Indexing progress": "索引进度",
        "Stop indexing after this file (files already read stay attached)": "处理完这个文件后停止索引（已读取的文件仍然保留）",
        "Stop indexing": "停止索引", "Stopping after this file…": "处理完这个文件后停止…",
        "Preparing to index %s…": "正在准备索引 %s…", "Indexing %s (%d of %d)…": "正在索引 %s（%d / %d）…",
        "Indexing stopped: %d files added to “%s”, the others not.": "已停止索引：%d 个文件已加入“%s”，其余的没有加入。",
        "No file to add was found in what you attached.": "你附加的内容中没有找到可添加的文件。",
        "%s (%s)": "%s（%s）", "Could not add %s to “%s”.": "无法把 %s 加入“%s”。",
        "Added %s to “%s”; answers in this chat search it.": "已把 %s 加入“%s”；本对话的回答会检索它。",
        "Added %d files to “%s”; answers in this chat search them.": "已把 %d 个文件加入“%s”；本对话的回答会检索它们。",
    },
    "BetterAnswerDialog": {
        "Write a better answer": "写一个更好的回答",
        "What should Hearth have answered? Your answer is kept with the question and its passages, marked as a bad answer, for fine-tuning exports and evaluation sets.":
            "Hearth 本应怎样回答？你的回答会和问题及其段落一起保存，并标记为差回答，用于微调导出和评测集。",
        "Question: %s": "问题：%s", "Better answer": "更好的回答",
    },
    "BinDialog": {
        "Deleted chats": "已删除的对话", "Deleted chats are kept for %1 days, then erased for good.":
            "已删除的对话会保留 %1 天，之后永久清除。",
        "The bin is empty.": "回收站是空的。", "Restore": "恢复", "Delete forever…": "永久删除…",
        "erased within a day": "一天内清除", "erased in %1 days": "%1 天后清除", "deleted %1": "删除于 %1",
        "Delete forever": "永久删除", "Erase this chat for good? This cannot be undone.": "永久清除这个对话？此操作无法撤销。",
        "Erase these %1 chats for good? This cannot be undone.": "永久清除这 %1 个对话？此操作无法撤销。",
    },
    "Chart": {"No data yet": "还没有数据"},
    "ConfigBox": {
        "Answer from the set's documents": "根据评测集的文档回答", "hybrid (meaning + words)": "混合（语义 + 关键词）",
        "meaning only": "仅语义", "words only": "仅关键词", "off (the model's words)": "关闭（模型原话）",
        "balanced": "平衡", "strict": "严格", "none": "无", "Passages (k)": "段落数 (k)", "Retrieval": "检索方式",
        "Grounding": "依据核对", "Temperature": "温度", "Template": "模板",
    },
    "EmbedderRow": {
        "Embedding model": "嵌入模型",
        "Changing it offers to re-index the collections made with the old one.": "更改后会提示重新索引用旧模型建立的文档集。",
        "Add folder…": "添加文件夹…", "Add a sentence-transformers model folder": "添加 sentence-transformers 模型文件夹",
        "%s (not found)": "%s（找不到）", "Choose a sentence-transformers model folder": "选择 sentence-transformers 模型文件夹",
    },
    "EvalPanel": {
        "Evaluate answers": "评测回答", "A QA set folder: docs/ and questions.jsonl": "问答集文件夹：docs/ 和 questions.jsonl",
        "Choose folder…": "选择文件夹…", "My feedback set": "我的反馈集",
        "Your 👎 answers with a better answer, as questions": "把你评为 👎 并写了更好回答的回答当作问题",
        "No set chosen.": "尚未选择评测集。", "A": "A", "B (compared with A)": "B（与 A 比较）", "all": "全部",
        "Run": "运行", "Stop": "停止", "B": "B", "B − A (95% interval)": "B − A（95% 区间）", "Open report": "打开报告",
        "Set": "评测集", "Questions (drawn with the seed)": "问题数（按种子抽取）", "Seed": "种子",
        "Cannot list the models: %s": "无法列出模型：%s", "Choose a QA set folder": "选择问答集文件夹",
        "Reading %s…": "正在读取 %s…",
        "%s: %s questions (%s unanswerable), %s documents.": "%s：%s 个问题（%s 个无法回答），%s 个文档。",
        "Not a QA set: %s": "不是问答集：%s", "Your feedback set could not be made: %s": "无法生成你的反馈集：%s",
        "Your feedback set is empty: rate an answer 👎 and write a better answer to add a question to it. Choose a QA set folder instead.":
            "你的反馈集是空的：把一个回答评为 👎 并写出更好的回答，就能往里添加问题。请改为选择一个问答集文件夹。",
        "Starting: loading the model…": "正在开始：加载模型…", "Stopping…": "正在停止…",
        "Indexing the set's documents: %d of %d files…": "正在索引评测集的文档：%d / %d 个文件…",
        "%d of %d answers · %s left": "%d / %d 个回答 · 还剩 %s", "Answering…": "正在回答…",
        "The evaluation did not run: %s": "评测没有运行：%s", ", %s items a minute": "，每分钟 %s 项",
        "Stopped: %d items scored%s. The report holds them.": "已停止：已评分 %d 项%s。报告中包含这些结果。",
        "Done: %d items scored%s.": "完成：已评分 %d 项%s。",
        "B better on %d items, equal on %d, worse on %d.": "B 在 %d 项上更好，%d 项持平，%d 项更差。",
        # the metric rows (eval_panel.METRIC_NAMES): ready for when they are marked with QT_TRANSLATE_NOOP
        "Items": "项数", "Exact match": "完全匹配", "F1": "F1", "Abstains when unanswerable": "无法回答时拒答",
        "Abstains wrongly (answerable)": "错误拒答（本可回答）", "Cites a passage with the answer": "引用了含答案的段落",
        "Retrieves a passage with the answer": "检索到含答案的段落", "Sentences supported": "有依据的句子",
        "Unsupported numbers per answer": "每个回答中无依据的数字", "First token, median (s)": "首个词元，中位数（秒）",
        "Tokens per second": "每秒词元数", "Seconds per item": "每项秒数", "Errors": "错误",
    },
    "HubDialog": {
        "Find a model online": "在线查找模型", "Model name, e.g. qwen 1.5b instruct": "模型名称，例如 qwen 1.5b instruct",
        "Most downloaded": "下载最多", "Recently updated": "最近更新", "Search": "搜索", "Downloads": "下载量",
        "Likes": "点赞数", "Licence": "许可证", "Updated": "更新时间", "Access": "访问", "Quantisation": "量化",
        "Fits this computer": "适合本机", "Expected speed": "预计速度", "File": "文件", "Cancel download": "取消下载",
        "Use for this chat": "用于本对话", "Compare on my documents": "在我的文档上比较",
        "Evaluate the chat's model (A) against this one (B) on your feedback set or a QA folder":
            "在你的反馈集或问答文件夹上，把本对话的模型 (A) 与这个模型 (B) 进行比较评测",
        "Nothing is sent to the internet until you search.": "在你搜索之前，不会向互联网发送任何内容。",
        "Searching the hub for “%s”…": "正在 Hub 上搜索“%s”…", "The search did not work: %s": "搜索失败：%s",
        "needs a token": "需要令牌", "open": "公开",
        "%d GGUF models found for “%s”.": "找到 %d 个与“%s”相关的 GGUF 模型。",
        "No GGUF models found for “%s”.": "没有找到与“%s”相关的 GGUF 模型。",
        "Reading the files of %s…": "正在读取 %s 的文件…", "The files of %s could not be listed: %s": "无法列出 %s 的文件：%s",
        "Part %s of the split file is missing; it cannot be loaded.": "分卷文件缺少第 %s 部分，无法加载。",
        "~%s tokens/s": "约 %s 词元/秒", " (%d parts)": "（%d 个分卷）", "Measured on %s": "测于 %s",
        "has its own chat template": "自带对话模板", "has no chat template (Hearth picks one for %s)": "没有对话模板（Hearth 会为 %s 选择一个）",
        "%s: %s, %s tokens of context; %s.": "%s：%s，上下文 %s 个词元；%s。", "%d files in %s.": "共 %d 个文件，来自 %s。",
        "Downloading %s…": "正在下载 %s…", "%s is ready (checked against the hub's checksum).": "%s 已就绪（已用 Hub 的校验和核对）。",
        "The download did not finish: %s": "下载没有完成：%s", "Using %s for this chat.": "本对话正在使用 %s。",
    },
    "LocalServerTab": {
        "Serve an OpenAI-compatible API on this computer": "在这台电脑上提供兼容 OpenAI 的 API", "Port": "端口",
        "Copy": "复制", "Base URL": "基础 URL",
        "Editors, scripts and notebooks use this URL with any OpenAI client (any API key). Only programs on this computer can reach it; `hearth serve` offers more options.":
            "编辑器、脚本和笔记本可以用任意 OpenAI 客户端（任意 API 密钥）访问这个 URL。只有这台电脑上的程序能连接它；`hearth serve` 提供更多选项。",
        "Serving. Answers from other programs wait their turn with yours.": "服务中。其他程序的请求会和你的一起排队等候回答。",
        "Not serving.": "未在服务。",
    },
    "ModelPicker": {
        "Model of this chat": "本对话的模型", "no model": "无模型",
        "Runs on another computer: this chat's messages are sent there.": "在另一台电脑上运行：本对话的消息会发送到那里。",
        "Add a server…": "添加服务器…", "Find models online…": "在线查找模型…", "Loading %s…": "正在加载 %s…",
        "Could not load: %s": "无法加载：%s", "on a server; loads there": "在服务器上；在那里加载", "Ready": "就绪",
        "loads when you send": "发送时加载",
    },
    "QualityDashboard": {
        "Quality dashboard": "质量看板", "Last 7 days": "最近 7 天", "Last 30 days": "最近 30 天", "Last 90 days": "最近 90 天",
        "Everything": "全部", "Refresh": "刷新", "Reading…": "正在读取…", "Answers per day": "每天的回答数",
        "Ratings per day": "每天的评价数", "Time to first token (s)": "首个词元用时（秒）", "Tokens per second": "每秒词元数",
        "Context window used": "已用上下文窗口", "Answers": "回答数", "First token (median)": "首个词元（中位数）",
        "Tokens/s (median)": "词元/秒（中位数）", "Context used (median)": "已用上下文（中位数）",
        "The numbers could not be read: %s": "无法读取这些数据：%s", "1 answer": "1 个回答", "%d answers": "%d 个回答",
        "👍 %d  👎 %d (%.0f%% 👍)": "👍 %d  👎 %d（%.0f%% 👍）", "no ratings yet": "还没有评价",
        "context used: median %.0f%%, at most %.0f%%": "已用上下文：中位数 %.0f%%，最多 %.0f%%",
        "%d answers left out old turns to fit": "%d 个回答为放进上下文省略了早先的对话",
        "answers": "回答", "👍 up": "👍 好", "👎 down": "👎 差",
    },
    "ReindexDialog": {
        "Re-index documents": "重新索引文档",
        "%n collection(s) were indexed with the previous embedding model and cannot be searched with the new one until they are re-indexed: %1.":
            "%n 个文档集是用之前的嵌入模型建立索引的，重新索引之前无法用新模型检索：%1。",
        "Re-index now": "立即重新索引", "Later": "稍后", "Stopping after the current file…": "处理完当前文件后停止…",
        "Re-indexing %1 (%2 of %3)… %4": "正在重新索引 %1（%2 / %3）… %4", "Close": "关闭",
        "Re-indexed %1 collection(s), %2 file(s).": "已重新索引 %1 个文档集，%2 个文件。",
    },
    "RemoteServerDialog": {
        "Add a model server": "添加模型服务器", "gpu-box": "gpu-box",
        "only if the server needs one (kept in the system keyring)": "仅当服务器需要时填写（保存在系统密钥环中）",
        "Empty: the first model the server lists. Test fills this list.": "留空：使用服务器列出的第一个模型。点“测试”会填充这个列表。",
        "Test lists the models the server offers.": "“测试”会列出服务器提供的模型。", "Test": "测试", "Name": "名称",
        "Server URL": "服务器 URL", "API key": "API 密钥",
        "Send my chats to %s (not this computer): what I type, and passages from my documents, go there":
            "把我的对话发送到 %s（而不是这台电脑）：我输入的内容和文档中的段落都会发送到那里",
        "Asking %s for its models…": "正在向 %s 查询可用模型…",
        "The server at %s answers and offers %d model(s): %s": "%s 上的服务器有响应，提供 %d 个模型：%s",
    },
    "ShortcutsDialog": {"Keyboard shortcuts": "键盘快捷键", "Keys": "按键", "What they do": "作用"},
    "SourceViewer": {
        "Opening %s…": "正在打开 %s…", "Open in the system app": "用系统应用打开", "Page %d of %d.": "第 %d 页，共 %d 页。",
        "The passage is highlighted.": "已高亮该段落。",
        "The passage's text could not be found on the page (it may have been read by OCR).":
            "在这一页上找不到该段落的文字（它可能是通过 OCR 识别的）。",
        "the passage is highlighted.": "已高亮该段落。",
        "The passage could not be found in the file (it may have changed since it was indexed).":
            "在文件中找不到该段落（文件可能在建立索引后被修改过）。",
        "Hearth cannot show %s: %s": "Hearth 无法显示 %s：%s",
    },
}

# The keyboard shortcuts list (assistant/ui/shortcuts.py) translates through a lambda, so lupdate files its
# strings under no context while the window asks for them under "Shortcuts": both point at one table.
SHORTCUTS = {
    "New chat": "新对话", "Enter": "Enter", "Send the message": "发送消息", "Shift+Enter": "Shift+Enter",
    "New line in the message": "在消息中换行",
    "Stop the answer (what was written is kept); cancel editing a question": "停止回答（已写出的内容会保留）；取消编辑问题",
    "Up": "↑", "In an empty message box: edit your last question": "在空输入框中：编辑你的上一个问题",
    "Copy the last answer": "复制上一个回答", "/": "/", "In the message box: use a prompt template": "在输入框中：使用提示词模板",
    "Search chats": "搜索对话", "Show or hide the side panel": "显示或隐藏侧边栏", "Model manager": "模型管理",
    "Settings": "设置", "Quit": "退出",
}
TEXT[""] = TEXT["Shortcuts"] = SHORTCUTS
