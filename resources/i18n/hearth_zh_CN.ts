<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdapterRow</name>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Checking against the loaded model…</source>
        <translation>正在与已加载的模型核对…</translation>
    </message>
    <message>
        <source>No model loaded: not checked yet</source>
        <translation>尚未加载模型：还没有检查</translation>
    </message>
    <message>
        <source>Fits the loaded model</source>
        <translation>适用于已加载的模型</translation>
    </message>
    <message>
        <source>Refused: </source>
        <translation>已拒绝：</translation>
    </message>
</context>
<context>
    <name>AdaptersPanel</name>
    <message>
        <source>Add adapter…</source>
        <translation>添加适配器…</translation>
    </message>
    <message>
        <source>Not added: </source>
        <translation>未添加：</translation>
    </message>
    <message>
        <source>Added </source>
        <translation>已添加 </translation>
    </message>
    <message>
        <source>Remove adapter</source>
        <translation>移除适配器</translation>
    </message>
    <message>
        <source>Also delete the file {0}? (No keeps the file.)</source>
        <translation>同时删除文件 {0}？（选“否”会保留文件。）</translation>
    </message>
    <message>
        <source>Add a LoRA adapter</source>
        <translation>添加 LoRA 适配器</translation>
    </message>
    <message>
        <source>GGUF adapters (*.gguf)</source>
        <translation>GGUF 适配器 (*.gguf)</translation>
    </message>
</context>
<context>
    <name>Chat</name>
    <message>
        <source>%.1f tok/s</source>
        <translation>%.1f 词元/秒</translation>
    </message>
    <message>
        <source>first token %.2f s</source>
        <translation>首个词元 %.2f 秒</translation>
    </message>
    <message>
        <source>context %d/%d</source>
        <translation>上下文 %d/%d</translation>
    </message>
    <message>
        <source>%d old turns left out</source>
        <translation>省略了 %d 轮早先的对话</translation>
    </message>
    <message>
        <source>, page %d</source>
        <translation>，第 %d 页</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Hearth</source>
        <translation>Hearth</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>ChatSettings</name>
    <message>
        <source>SmolLM2 135M (built in)</source>
        <translation>SmolLM2 135M（内置）</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Ask anything. Your words stay on this computer.</source>
        <translation>随便问。你说的话只留在这台电脑上。</translation>
    </message>
    <message>
        <source>Message Hearth (Enter to send, Shift+Enter for a new line, / for templates)</source>
        <translation>给 Hearth 发消息（Enter 发送，Shift+Enter 换行，/ 使用模板）</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer (Esc); what was written is kept</source>
        <translation>停止回答（Esc）；已写出的内容会保留</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Writing… (Esc to stop)</source>
        <translation>正在写…（按 Esc 停止）</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
    <message>
        <source>Code copied.</source>
        <translation>代码已复制。</translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Your message (the answer is written again on a new branch):</source>
        <translation>你的消息（回答会在新分支上重新生成）：</translation>
    </message>
    <message>
        <source>Passage</source>
        <translation>段落</translation>
    </message>
    <message>
        <source>Show passage %d</source>
        <translation>显示段落 %d</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Search chats (Ctrl+K)</source>
        <translation>搜索对话（Ctrl+K）</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin to top</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Rename chat</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Deleted “%s”.</source>
        <translation>已删除“%s”。</translation>
    </message>
    <message>
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
</context>
<context>
    <name>ConversationSettings</name>
    <message>
        <source>none (type / in the message box to use one)</source>
        <translation>无（在输入框中输入 / 即可使用模板）</translation>
    </message>
    <message>
        <source>Default system prompt (from Settings)</source>
        <translation>默认系统提示（来自设置）</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（词元）</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>DocumentsPanel</name>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>More</source>
        <translation>更多</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Re-index all files</source>
        <translation>重新索引全部文件</translation>
    </message>
    <message>
        <source>Delete collection…</source>
        <translation>删除文档集…</translation>
    </message>
    <message>
        <source>No collections yet</source>
        <translation>还没有文档集</translation>
    </message>
    <message>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Watch added folders for changes</source>
        <translation>监视已添加的文件夹的变化</translation>
    </message>
    <message>
        <source>Drop files or folders anywhere on the window to add them.</source>
        <translation>把文件或文件夹拖到窗口任意位置即可添加。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Chunks</source>
        <translation>片段</translation>
    </message>
    <message>
        <source>Opening the document index…</source>
        <translation>正在打开文档索引…</translation>
    </message>
    <message>
        <source>“%s”: %d files updated from a watched folder.</source>
        <translation>“%s”：监视的文件夹中有 %d 个文件已更新。</translation>
    </message>
    <message>
        <source>%s (%d files)</source>
        <translation>%s（%d 个文件）</translation>
    </message>
    <message>
        <source>indexed</source>
        <translation>已索引</translation>
    </message>
    <message>
        <source>needs password</source>
        <translation>需要密码</translation>
    </message>
    <message>
        <source>wrong password</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>no text (scanned: needs OCR)</source>
        <translation>没有文字（扫描件：需要 OCR）</translation>
    </message>
    <message>
        <source>damaged</source>
        <translation>文件损坏</translation>
    </message>
    <message>
        <source>unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>太大</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空文件</translation>
    </message>
    <message>
        <source>garbled text</source>
        <translation>文字乱码</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Double-click to enter the password.</source>
        <translation>双击输入密码。</translation>
    </message>
    <message>
        <source>Double-click to retry; right-click to remove.</source>
        <translation>双击重试；右键移除。</translation>
    </message>
    <message>
        <source>Add documents</source>
        <translation>添加文档</translation>
    </message>
    <message>
        <source>Add a folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <source>Indexing into “%s”…</source>
        <translation>正在索引到“%s”…</translation>
    </message>
    <message>
        <source>%v of %m files</source>
        <translation>%v / %m 个文件</translation>
    </message>
    <message>
        <source>looking for files</source>
        <translation>查找文件</translation>
    </message>
    <message>
        <source>reading</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>understanding</source>
        <translation>理解</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>“%s”: %s %s</source>
        <translation>“%s”：%s %s</translation>
    </message>
    <message>
        <source>“%s”: %d files indexed, %d need attention.</source>
        <translation>“%s”：已索引 %d 个文件，%d 个需要处理。</translation>
    </message>
    <message>
        <source>Enter password…</source>
        <translation>输入密码…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Show reason</source>
        <translation>显示原因</translation>
    </message>
    <message>
        <source>Remove from collection</source>
        <translation>从文档集中移除</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password for %s:</source>
        <translation>%s 的密码：</translation>
    </message>
    <message>
        <source>New collection</source>
        <translation>新建文档集</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename collection</source>
        <translation>重命名文档集</translation>
    </message>
    <message>
        <source>Delete collection</source>
        <translation>删除文档集</translation>
    </message>
    <message>
        <source>Delete “%s” and its index? Your files themselves are not touched.</source>
        <translation>删除“%s”及其索引？你的文件本身不会受影响。</translation>
    </message>
    <message>
        <source>Re-indexing “%s”…</source>
        <translation>正在重新索引“%s”…</translation>
    </message>
    <message>
        <source>Folder to watch</source>
        <translation>要监视的文件夹</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The model stopped unexpectedly: %s. It restarts on your next message.</source>
        <translation>模型意外停止：%s。发送下一条消息时会自动重启。</translation>
    </message>
    <message>
        <source>File not found: %s</source>
        <translation>找不到文件：%s</translation>
    </message>
    <message>
        <source>Hearth may not read or write %s. Check the file's permissions.</source>
        <translation>Hearth 无法读写 %s。请检查文件权限。</translation>
    </message>
    <message>
        <source>Not enough memory. Try a smaller model or a shorter context in Settings.</source>
        <translation>内存不足。请在设置中选择更小的模型或更短的上下文。</translation>
    </message>
    <message>
        <source>Something went wrong: %s. Details are in the log.</source>
        <translation>出了点问题：%s。详情见日志。</translation>
    </message>
    <message>
        <source>Hearth hit a problem</source>
        <translation>Hearth 遇到问题</translation>
    </message>
    <message>
        <source>Your conversations are saved. If this keeps happening, copy the details into a bug report.</source>
        <translation>你的对话已保存。如果问题反复出现，请复制详情并提交问题报告。</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详情</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>This chat</source>
        <translation>本对话</translation>
    </message>
    <message>
        <source>Model: not loaded yet</source>
        <translation>模型：尚未加载</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Adapters</source>
        <translation>适配器</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Import chat (JSON)…</source>
        <translation>导入对话 (JSON)(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Add documents…</source>
        <translation>添加文档(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Side &amp;panel</source>
        <translation>侧边栏(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Search chats</source>
        <translation>搜索对话(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Model manager…</source>
        <translation>模型管理(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Welcome</source>
        <translation>欢迎页(&amp;W)</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Import chat</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Chats (*.json)</source>
        <translation>对话 (*.json)</translation>
    </message>
    <message>
        <source>Could not import %s: %s</source>
        <translation>无法导入 %s：%s</translation>
    </message>
    <message>
        <source>Model: loading…</source>
        <translation>模型：加载中…</translation>
    </message>
    <message>
        <source>Model: %s</source>
        <translation>模型：%s</translation>
    </message>
    <message>
        <source>Model: failed to load</source>
        <translation>模型：加载失败</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Reading the models…</source>
        <translation>正在读取模型…</translation>
    </message>
    <message>
        <source>Add from disk…</source>
        <translation>从磁盘添加…</translation>
    </message>
    <message>
        <source>Use for this chat</source>
        <translation>用于本对话</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>取消加载</translation>
    </message>
    <message>
        <source>auto: as many as fit; 0: CPU only; -1: all layers</source>
        <translation>auto：尽量多放；0：只用 CPU；-1：全部层</translation>
    </message>
    <message>
        <source>from the model</source>
        <translation>使用模型的设置</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Suits</source>
        <translation>适合</translation>
    </message>
    <message>
        <source>Fits this computer</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Good instruction-following models. Downloads resume if interrupted and are checked before use.</source>
        <translation>优秀的指令模型。下载中断后可继续，使用前会校验。</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>No models yet. Add a GGUF file from disk or download one.</source>
        <translation>还没有模型。请从磁盘添加 GGUF 文件或下载一个。</translation>
    </message>
    <message>
        <source>%s: %s, %s, %s tokens of context, %s.</source>
        <translation>%s：%s，%s，上下文 %s 个词元，%s。</translation>
    </message>
    <message>
        <source>Add a model</source>
        <translation>添加模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Checking %s…</source>
        <translation>正在检查 %s…</translation>
    </message>
    <message>
        <source>Added %s.</source>
        <translation>已添加 %s。</translation>
    </message>
    <message>
        <source>Not added: %s</source>
        <translation>未添加：%s</translation>
    </message>
    <message>
        <source>Loading %s…</source>
        <translation>正在加载 %s…</translation>
    </message>
    <message>
        <source>Loaded %s.</source>
        <translation>已加载 %s。</translation>
    </message>
    <message>
        <source>The model could not be loaded: %s</source>
        <translation>无法加载模型：%s</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
    <message>
        <source>Saved; used the next time a model loads.</source>
        <translation>已保存；下次加载模型时生效。</translation>
    </message>
    <message>
        <source>Downloading %s…</source>
        <translation>正在下载 %s…</translation>
    </message>
    <message>
        <source>%s is ready.</source>
        <translation>%s 已就绪。</translation>
    </message>
</context>
<context>
    <name>ModelsTable</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Fits this computer</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>cannot be used</source>
        <translation>无法使用</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <source>too big</source>
        <translation>太大</translation>
    </message>
    <message>
        <source>built in</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>added</source>
        <translation>已添加</translation>
    </message>
</context>
<context>
    <name>PromptsPanel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Variables</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Saved {0} as version {1}</source>
        <translation>已将 {0} 保存为第 {1} 版</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>复制一份</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Delete template</source>
        <translation>删除模板</translation>
    </message>
    <message>
        <source>Delete {0} and all its versions?</source>
        <translation>删除 {0} 及其所有版本？</translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>没有改动</translation>
    </message>
    <message>
        <source>Restored version {0} as version {1}</source>
        <translation>已将第 {0} 版恢复为第 {1} 版</translation>
    </message>
    <message>
        <source>Replace templates?</source>
        <translation>替换模板？</translation>
    </message>
    <message>
        <source>These templates exist already: {0}. Replace them?</source>
        <translation>这些模板已存在：{0}。要替换吗？</translation>
    </message>
    <message>
        <source>Imported: </source>
        <translation>已导入：</translation>
    </message>
    <message>
        <source>Exported to </source>
        <translation>已导出到 </translation>
    </message>
    <message>
        <source>Import templates</source>
        <translation>导入模板</translation>
    </message>
    <message>
        <source>Templates (*.md *.txt)</source>
        <translation>模板 (*.md *.txt)</translation>
    </message>
    <message>
        <source>Export template</source>
        <translation>导出模板</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Default system prompt</source>
        <translation>默认系统提示</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>the built-in SmolLM2 model</source>
        <translation>内置的 SmolLM2 模型</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>from the model (capped by memory)</source>
        <translation>使用模型的设置（受内存限制）</translation>
    </message>
    <message>
        <source>auto: as many layers as fit; 0: CPU only; -1: all layers</source>
        <translation>auto：尽量多放；0：只用 CPU；-1：全部层</translation>
    </message>
    <message>
        <source>from the model</source>
        <translation>来自模型</translation>
    </message>
    <message>
        <source>custom (set from the command line)</source>
        <translation>自定义（由命令行设置）</translation>
    </message>
    <message>
        <source>Default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Prompt format</source>
        <translation>提示格式</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top p</source>
        <translation>Top p</translation>
    </message>
    <message>
        <source>Top k</source>
        <translation>Top k</translation>
    </message>
    <message>
        <source>Min p</source>
        <translation>Min p</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Longest answer (tokens)</source>
        <translation>最长回答（词元）</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>Changing it asks to re-index existing collections.</source>
        <translation>更改后需要重新索引已有的文档集。</translation>
    </message>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Conversations and documents</source>
        <translation>对话和文档</translation>
    </message>
    <message>
        <source>Cache</source>
        <translation>缓存</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Set HEARTH_HOME (or start with --home FOLDER) to keep everything elsewhere.</source>
        <translation>设置 HEARTH_HOME（或用 --home 文件夹 启动）可把所有数据放到别处。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
</context>
<context>
    <name>TemplatePicker</name>
    <message>
        <source>Use template</source>
        <translation>使用模板</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Welcome to Hearth</source>
        <translation>欢迎使用 Hearth</translation>
    </message>
    <message>
        <source>Hearth is an assistant that runs entirely on this computer. Your conversations and documents never leave it, and it works without an internet connection.</source>
        <translation>Hearth 是一个完全在这台电脑上运行的助手。你的对话和文档永远不会离开这台电脑，没有网络也能使用。</translation>
    </message>
    <message>
        <source>It starts with a small built-in model (SmolLM2, 135 million parameters) so you can chat right away. It is quick but simple; for better answers, download a larger model in the model manager.</source>
        <translation>它自带一个小模型（SmolLM2，1.35 亿参数），可以马上开始聊天。它很快但比较简单；想要更好的回答，请在模型管理中下载更大的模型。</translation>
    </message>
    <message>
        <source>Drop PDFs, Word files or text files on the window to ask questions about them; answers cite the page they came from.</source>
        <translation>把 PDF、Word 或文本文件拖到窗口上，就可以就它们提问；回答会注明出处页码。</translation>
    </message>
    <message>
        <source>See better models…</source>
        <translation>查看更好的模型…</translation>
    </message>
    <message>
        <source>Start chatting</source>
        <translation>开始聊天</translation>
    </message>
</context>
</TS>